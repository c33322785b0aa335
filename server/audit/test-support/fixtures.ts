// An audit log over a real SQLite file in a temp data dir, with a manual clock, for the audit tests.
import path from 'node:path';
import { ManualClock } from '../../lib/clock.js';
import { openStore, type Store } from '../../store/store.js';
import { openAuditLog, type AuditLog } from '../log.js';
import type { AuditKind, AuditRecord } from '../types.js';

export const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);

export interface AuditFixture {
  dataDir: string;
  file: string;
  store: Store;
  log: AuditLog;
  clock: ManualClock;
  /** Closes the store (checkpointing the WAL into the file). */
  close(): void;
}

/** Opens a store and audit log in `dataDir` (creating the key on first use). */
export function openFixture(dataDir: string, clock = new ManualClock(T0)): AuditFixture {
  const file = path.join(dataDir, 'slactl.db');
  const store = openStore({ path: file });
  const log = openAuditLog({ store, dataDir, clock });
  return { dataDir, file, store, log, clock, close: () => store.close() };
}

const KINDS: AuditKind[] = [
  'alert_received',
  'triage_path',
  'run_created',
  'run_approved',
  'action_request',
  'action_response',
  'verification',
];

/** The i-th record of a plausible remediation story. */
export function sampleRecord(i: number): AuditRecord {
  const kind = KINDS[i % KINDS.length]!;
  return {
    kind,
    actor: i % 3 === 0 ? 'alertmanager' : 'system',
    ...(i % 4 === 3 ? {} : { subject: `run-${Math.floor(i / 7)}` }),
    data: { step: i, kind, detail: { ok: i % 2 === 0, latencyMs: 12.5 * i, tags: ['a', 'b'] } },
  };
}

/** Appends `n` sample records, one second apart. */
export function appendSamples(fixture: AuditFixture, n: number): void {
  for (let i = 0; i < n; i++) {
    fixture.log.append(sampleRecord(i));
    fixture.clock.advance(1_000);
  }
}
