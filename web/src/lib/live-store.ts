// Keeps the live state current over Server-Sent Events: opens the stream, applies its events, and when
// it drops shows the data as stale and reconnects (the browser retries after the server's `retry: 3000`;
// after a failed connection this store retries itself, backing off to 15 s). A 401 means the session
// ended: the store stops and says so instead of retrying forever.
import { fetchAlerts } from '../api/alerts';
import { EVENTS_PATH, type DataSource, type SnapshotEvent, type Transition } from '../api/events';
import { ApiRequestError, apiGet } from '../api/http';
import type { RunEventData } from '../api/runs';
import type { SlaStatus } from '../api/slas';
import { INITIAL_STATE, needsAnnotations, reduceLive, type LiveAction, type LiveState } from './live-state';

/** The part of EventSource the store uses (tests pass a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((this: EventSourceLike, ev: Event) => unknown) | null;
  onerror: ((this: EventSourceLike, ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void;
  close(): void;
}

export interface LiveStoreDeps {
  openStream: (url: string) => EventSourceLike;
  /** Resolves to true when the session is gone (the API answers 401). */
  signedOut: () => Promise<boolean>;
  fetchAlerts: typeof fetchAlerts;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const CLOSED = 2;
const MAX_BACKOFF_MS = 15_000;

export class LiveStore {
  private state: LiveState = INITIAL_STATE;
  private readonly listeners = new Set<() => void>();
  private stream: EventSourceLike | undefined;
  private retryTimer: unknown;
  private annotationTimer: unknown;
  private failures = 0;
  private stopped = true;

  constructor(private readonly deps: LiveStoreDeps) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): LiveState => this.state;

  /** Applies an action and tells the subscribers. */
  dispatch(action: LiveAction): void {
    const next = reduceLive(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
    if (needsAnnotations(next)) this.scheduleAnnotations();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.stream?.close();
    this.stream = undefined;
    this.deps.clearTimeout(this.retryTimer);
    this.deps.clearTimeout(this.annotationTimer);
  }

  private connect(): void {
    if (this.stopped) return;
    this.dispatch({ type: 'connecting' });
    const stream = this.deps.openStream(EVENTS_PATH);
    this.stream = stream;
    const parse = <T>(ev: MessageEvent<string>): T | undefined => {
      try {
        return JSON.parse(ev.data) as T;
      } catch {
        return undefined;
      }
    };
    stream.onopen = () => {
      this.failures = 0;
      this.dispatch({ type: 'open', atMs: this.deps.now() });
    };
    stream.addEventListener('snapshot', (ev) => {
      const data = parse<SnapshotEvent>(ev);
      if (data) this.dispatch({ type: 'snapshot', data, atMs: this.deps.now() });
    });
    stream.addEventListener('alert', (ev) => {
      const data = parse<Transition>(ev);
      if (data) this.dispatch({ type: 'alert', data, atMs: this.deps.now() });
    });
    stream.addEventListener('status', (ev) => {
      const data = parse<SlaStatus>(ev);
      if (data) this.dispatch({ type: 'status', data, atMs: this.deps.now() });
    });
    stream.addEventListener('dataSource', (ev) => {
      const data = parse<DataSource>(ev);
      if (data) this.dispatch({ type: 'dataSource', data, atMs: this.deps.now() });
    });
    stream.addEventListener('run', (ev) => {
      const data = parse<RunEventData>(ev);
      if (data) this.dispatch({ type: 'run', data, atMs: this.deps.now() });
    });
    stream.onerror = () => {
      if (this.stream !== stream) return;
      this.dispatch({ type: 'down', atMs: this.deps.now() });
      if (stream.readyState === CLOSED) {
        // The browser gave up (an error status, or a proxy answered): retry ourselves.
        stream.close();
        this.stream = undefined;
        this.failures++;
        void this.deps.signedOut().then((gone) => {
          if (gone) {
            this.dispatch({ type: 'signed_out' });
            this.stop();
            return;
          }
          const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 4));
          this.deps.clearTimeout(this.retryTimer);
          this.retryTimer = this.deps.setTimeout(() => this.connect(), delay);
        });
      }
    };
  }

  /** Alerts that came as transitions lack annotations: read them once from /api/v1/alerts. */
  private scheduleAnnotations(): void {
    if (this.annotationTimer !== undefined) return;
    this.annotationTimer = this.deps.setTimeout(() => {
      this.deps
        .fetchAlerts()
        .then((alerts) => this.dispatch({ type: 'annotations', alerts }))
        .catch(() => undefined)
        .finally(() => {
          this.annotationTimer = undefined;
        });
    }, 250);
  }
}

/** The store wired to the browser: EventSource with the session cookie, fetch, timers. */
export function browserLiveStore(): LiveStore {
  return new LiveStore({
    openStream: (url) => new EventSource(url) as unknown as EventSourceLike,
    signedOut: async () => {
      try {
        await apiGet('/api/v1/slas');
        return false;
      } catch (error) {
        return error instanceof ApiRequestError && error.signedOut;
      }
    },
    fetchAlerts: (signal?: AbortSignal) => fetchAlerts(signal),
    now: () => Date.now(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number | undefined),
  });
}
