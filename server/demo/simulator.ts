// The demo simulator: the example SLAs' services, simulated interval by interval and sent to the control
// plane through its public ingest API, with faults that can be injected and cleared. It never reaches
// into the store, the collector or the evaluator; what it knows of them is the ingest contract.
import type { SlaPlan } from '../compile/ir.js';
import type { Clock } from '../lib/clock.js';
import {
  DemoError,
  FAULT_DESCRIPTIONS,
  FAULT_KINDS,
  checkFault,
  effectsOf,
  type Fault,
  type FaultKind,
} from './faults.js';
import { ServiceSimulator } from './service-simulator.js';
import type { DemoSignal } from './signals.js';

/** Where the demo sends its signals. */
export interface IngestClient {
  /** Sends one batch; rejects on a non-2xx answer with the server's message. */
  send(signals: object[]): Promise<void>;
}

const INGEST_TIMEOUT_MS = 10_000;

/** An ingest client for `POST <baseUrl>/api/v1/signals` with a bearer token (uses global fetch). */
export function httpIngestClient(
  baseUrl: string,
  token: string,
  timeoutMs = INGEST_TIMEOUT_MS,
): IngestClient {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/signals`;
  return {
    async send(signals) {
      if (signals.length === 0) return;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ signals }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const text = await response.text().catch(() => '');
      let message = text.trim().slice(0, 500) || response.statusText;
      try {
        const body = JSON.parse(text) as { error?: { message?: unknown } };
        if (typeof body.error?.message === 'string') message = body.error.message;
      } catch {
        // Not JSON: the raw text is the best message there is.
      }
      throw new Error(`ingest at ${url} answered ${response.status}: ${message}`);
    },
  };
}

export interface DemoLogger {
  warn(obj: object, msg: string): void;
}

export interface DemoDeps {
  plans: SlaPlan[];
  client: IngestClient;
  clock: Clock;
  /** Seed of the run: the same seed and clock give the same signals. */
  seed?: number;
  logger?: DemoLogger;
}

/** One fault kind, for the API's list of what can be injected where. */
export interface FaultKindInfo {
  kind: FaultKind;
  description: string;
  /** SLAs the fault applies to (where some alert could fire). */
  appliesTo: string[];
}

/** At most this much simulated time per tick: after a long pause the demo resumes, it does not replay. */
export const MAX_TICK_MS = 60_000;
/** Signals per ingest request (the server's default batch limit is 10,000). */
export const MAX_SIGNALS_PER_SEND = 2000;
const DEFAULT_SEED = 42;
/** Repeated tick failures (the server is down) are logged at most this often. */
const LOG_EVERY_MS = 60_000;

const faultKey = (kind: FaultKind, sla: string): string => `${kind}\u0000${sla}`;

function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Simulates the services of the given SLAs and sends their signals through an ingest client. */
export class DemoSimulator {
  private readonly services: Map<string, ServiceSimulator>;
  private readonly client: IngestClient;
  private readonly clock: Clock;
  private readonly logger: DemoLogger | undefined;
  private readonly active = new Map<string, Fault>();
  /** SLAs whose reference distributions the server has acknowledged. */
  private readonly referenced = new Set<string>();
  private lastTickAt: number;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastLogged: { message: string; at: number } | undefined;

  constructor(deps: DemoDeps) {
    if (!Array.isArray(deps.plans)) throw new TypeError('DemoSimulator: plans must be an array of SLA plans');
    if (typeof deps.client?.send !== 'function')
      throw new TypeError('DemoSimulator: client must have a send(signals) method');
    if (typeof deps.clock?.now !== 'function')
      throw new TypeError('DemoSimulator: clock must have a now() method');
    const seed = deps.seed ?? DEFAULT_SEED;
    if (!Number.isInteger(seed))
      throw new TypeError(`DemoSimulator: seed must be an integer, got ${String(seed)}`);
    this.client = deps.client;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.lastTickAt = deps.clock.now();
    this.services = new Map();
    for (const plan of deps.plans) {
      if (this.services.has(plan.name)) throw new Error(`DemoSimulator: two SLAs are named "${plan.name}"`);
      this.services.set(plan.name, new ServiceSimulator(plan, seed, this.lastTickAt));
    }
  }

  /** Generates and sends everything for the time since the last tick. Ticks run one after another. */
  tick(): Promise<void> {
    const run = this.chain.then(() => this.runTick());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async runTick(): Promise<void> {
    const now = this.clock.now();
    const from = Math.max(this.lastTickAt, now - MAX_TICK_MS);
    // A clock that moved back (or stood still) yields an empty interval, never a negative one.
    const to = Math.max(from, now);
    this.lastTickAt = Math.max(this.lastTickAt, now);

    const faults = [...this.active.values()];
    const references: Array<{ sla: string; signals: DemoSignal[] }> = [];
    const signals: DemoSignal[] = [];
    for (const [sla, service] of this.services) {
      if (!this.referenced.has(sla)) {
        const reference = service.reference(to);
        if (reference.length > 0) references.push({ sla, signals: reference });
        else this.referenced.add(sla);
      }
      signals.push(...service.generate(from, to, effectsOf(service.model, faults)));
    }
    // References go first, on their own: the collector bins current values against them.
    for (const { sla, signals: reference } of references) {
      await this.client.send(reference);
      this.referenced.add(sla);
    }
    for (let i = 0; i < signals.length; i += MAX_SIGNALS_PER_SEND)
      await this.client.send(signals.slice(i, i + MAX_SIGNALS_PER_SEND));
  }

  /** Ticks every `intervalMs` in real time until stop(); a failed tick is logged and the next one runs. */
  start(intervalMs = 1000): void {
    if (!(Number.isFinite(intervalMs) && intervalMs >= 10))
      throw new RangeError(
        `DemoSimulator.start: intervalMs must be a number ≥ 10, got ${String(intervalMs)}`,
      );
    if (this.timer !== undefined) return;
    const run = (): void => {
      // A slow server must not pile up ticks: skip while the previous one is still sending.
      if (this.busy) return;
      this.busy = true;
      this.tick()
        .then(() => (this.lastLogged = undefined))
        .catch((error: unknown) => this.logFailure(error))
        .finally(() => (this.busy = false));
    };
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
    run();
  }

  private logFailure(error: unknown): void {
    const text = message(error);
    // Wall time, not the simulation clock: throttling is about how often a person reads the log.
    const at = Date.now();
    if (this.lastLogged && this.lastLogged.message === text && at - this.lastLogged.at < LOG_EVERY_MS) return;
    this.lastLogged = { message: text, at };
    this.logger?.warn({ err: text }, 'demo simulator could not send signals; retrying on the next tick');
  }

  /** Runs a recall verification sweep on the SLA's indexes with the next tick (after a compaction). */
  requestRecallSweep(sla: string): void {
    this.service(sla).requestRecallSweep();
  }

  /** Stops the real-time loop and waits for a send in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  private service(sla: unknown): ServiceSimulator {
    const service = typeof sla === 'string' ? this.services.get(sla) : undefined;
    if (service === undefined) {
      const known = [...this.services.keys()];
      throw new DemoError(
        404,
        'unknown_sla',
        `unknown SLA ${JSON.stringify(sla)} (${known.length > 0 ? `SLAs: ${known.join(', ')}` : 'no SLAs are loaded'})`,
      );
    }
    return service;
  }

  private kind(kind: unknown): FaultKind {
    if (!isFaultKind(kind))
      throw new DemoError(
        400,
        'unknown_fault_kind',
        `unknown fault kind ${JSON.stringify(kind)} (kinds: ${FAULT_KINDS.join(', ')})`,
      );
    return kind;
  }

  /** SLAs a fault kind applies to. */
  private appliesTo(kind: FaultKind): string[] {
    return [...this.services.values()].filter((s) => checkFault(kind, s.model).ok).map((s) => s.model.sla);
  }

  /** Every fault kind with what it does and the SLAs it applies to. */
  faultKinds(): FaultKindInfo[] {
    return FAULT_KINDS.map((kind) => ({
      kind,
      description: FAULT_DESCRIPTIONS[kind],
      appliesTo: this.appliesTo(kind),
    }));
  }

  /** Injects a fault into one SLA's service; throws DemoError when it is unknown or cannot fire anything. */
  injectFault(kind: FaultKind, sla: string): Fault {
    const checkedKind = this.kind(kind);
    const service = this.service(sla);
    const check = checkFault(checkedKind, service.model);
    if (!check.ok) {
      const targets = this.appliesTo(checkedKind);
      throw new DemoError(
        409,
        'fault_not_applicable',
        `${checkedKind} does not apply to ${sla}: ${check.reason}; ${
          targets.length > 0 ? `it applies to ${targets.join(', ')}` : 'it applies to none of the loaded SLAs'
        }`,
      );
    }
    const key = faultKey(checkedKind, sla);
    const existing = this.active.get(key);
    if (existing !== undefined)
      throw new DemoError(
        409,
        'fault_active',
        `${checkedKind} is already active on ${sla} (since ${new Date(existing.since).toISOString()}); clear it first`,
      );
    const fault: Fault = {
      kind: checkedKind,
      sla,
      since: this.clock.now(),
      expectedAlerts: check.expectedAlerts,
      description: check.description,
    };
    this.active.set(key, fault);
    return { ...fault, expectedAlerts: [...fault.expectedAlerts] };
  }

  /** Clears the active faults matching kind and SLA (all of them when both are omitted). */
  clearFault(kind?: FaultKind, sla?: string): Fault[] {
    if (kind !== undefined) this.kind(kind);
    if (sla !== undefined) this.service(sla);
    const cleared: Fault[] = [];
    for (const [key, fault] of this.active) {
      if ((kind === undefined || fault.kind === kind) && (sla === undefined || fault.sla === sla)) {
        this.active.delete(key);
        cleared.push(fault);
      }
    }
    return cleared;
  }

  /** The active faults, oldest first. */
  faults(): Fault[] {
    return [...this.active.values()]
      .sort((a, b) => a.since - b.since || a.sla.localeCompare(b.sla) || a.kind.localeCompare(b.kind))
      .map((f) => ({ ...f, expectedAlerts: [...f.expectedAlerts] }));
  }
}

export { DemoError, FAULT_KINDS, type Fault, type FaultKind } from './faults.js';
