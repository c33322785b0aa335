// Shared by the demo's tests: the repository's example SLAs as plans, and an ingest client that keeps
// what it is sent.
import path from 'node:path';
import type { SlaPlan } from '../../compile/ir.js';
import { buildPlan } from '../../compile/plan.js';
import { loadSlaFiles } from '../../sla/load.js';
import type { IngestClient } from '../simulator.js';
import type { DemoSignal } from '../signals.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');

/** The plans of slas/*.yaml; fails loudly when an example SLA stops validating. */
export async function examplePlans(): Promise<SlaPlan[]> {
  const loaded = await loadSlaFiles(['slas'], REPO);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    throw new Error(`example SLAs do not validate: ${errors.map((d) => d.message).join('; ')}`);
  return loaded.slas.map(buildPlan);
}

/** An ingest client that records every batch; `fail` makes the next sends reject. */
export class CollectingClient implements IngestClient {
  readonly batches: DemoSignal[][] = [];
  fail: Error | undefined;

  send(signals: object[]): Promise<void> {
    if (this.fail) return Promise.reject(this.fail);
    this.batches.push(signals as DemoSignal[]);
    return Promise.resolve();
  }

  get signals(): DemoSignal[] {
    return this.batches.flat();
  }

  clear(): void {
    this.batches.length = 0;
  }
}
