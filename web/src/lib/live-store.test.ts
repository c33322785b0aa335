// The live store against a fake EventSource and fake timers: events applied, the stream's failures
// shown as stale, retries with back-off, and a 401 ending it.
import { describe, expect, it } from 'vitest';
import { alert, slaStatus, transition, runEvent } from '../test-support/fixtures';
import { LiveStore, type EventSourceLike } from './live-store';

class FakeStream implements EventSourceLike {
  readyState = 0;
  onopen: EventSourceLike['onopen'] = null;
  onerror: EventSourceLike['onerror'] = null;
  closed = false;
  private readonly listeners = new Map<string, Array<(ev: MessageEvent<string>) => void>>();
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.call(this, new Event('open'));
  }
  emit(type: string, data: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  fail(closed: boolean): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.call(this, new Event('error'));
  }
}

function harness(options: { signedOut?: boolean } = {}) {
  const streams: FakeStream[] = [];
  const timers: Array<{ fn: () => void; ms: number; handle: number }> = [];
  let clock = 1000;
  let fetched = 0;
  let handles = 0;
  const store = new LiveStore({
    openStream: () => {
      const s = new FakeStream();
      streams.push(s);
      return s;
    },
    signedOut: () => Promise.resolve(options.signedOut ?? false),
    fetchAlerts: () => {
      fetched++;
      return Promise.resolve([
        {
          labels: transition().labels,
          annotations: { summary: 'from the API' },
          state: 'pending' as const,
          activeAt: '',
          value: '1',
        },
      ]);
    },
    now: () => clock,
    setTimeout: (fn, ms) => {
      const handle = ++handles;
      timers.push({ fn, ms, handle });
      return handle;
    },
    clearTimeout: (handle) => {
      const i = timers.findIndex((t) => t.handle === handle);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  const runTimers = () => {
    const due = timers.splice(0);
    for (const t of due) t.fn();
    return due.map((t) => t.ms);
  };
  return { store, streams, timers, runTimers, tick: (ms: number) => (clock += ms), fetched: () => fetched };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('LiveStore', () => {
  it('applies the snapshot and then each event, telling subscribers', () => {
    const h = harness();
    let calls = 0;
    h.store.subscribe(() => calls++);
    h.store.start();
    h.streams[0]!.open();
    h.streams[0]!.emit('snapshot', { statuses: [slaStatus()], alerts: [alert()] });
    h.streams[0]!.emit('status', slaStatus({ status: 'critical' }));
    h.streams[0]!.emit('alert', transition({ from: 'firing', to: 'resolved' }));
    h.streams[0]!.emit('run', runEvent({ state: 'succeeded' }));
    const s = h.store.getState();
    expect(s.runs.map((r) => r.state)).toEqual(['succeeded']);
    expect(s.statuses[0]!.status).toBe('critical');
    expect(s.alerts).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(4);
  });

  it("keeps the data source's state from the snapshot and its dataSource events", () => {
    const h = harness();
    h.store.start();
    h.streams[0]!.open();
    const healthy = {
      kind: 'prometheus',
      url: 'http://127.0.0.1:9090',
      healthy: true,
      lastSuccessAt: '2026-12-06T03:00:00.000Z',
      lastAttemptAt: '2026-12-06T03:00:00.000Z',
    };
    h.streams[0]!.emit('snapshot', { statuses: [], alerts: [], dataSource: healthy });
    expect(h.store.getState().dataSource).toEqual(healthy);
    const failing = { ...healthy, healthy: false, error: 'alerts: connection refused' };
    h.streams[0]!.emit('dataSource', failing);
    expect(h.store.getState().dataSource).toEqual(failing);
  });

  it('ignores an event whose data is not JSON', () => {
    const h = harness();
    h.store.start();
    h.streams[0]!.emit('snapshot', { statuses: [], alerts: [] });
    const before = h.store.getState();
    for (const l of ['status']) {
      // A broken line from a proxy: dropped, nothing changes.
      (
        h.streams[0] as unknown as { listeners: Map<string, Array<(ev: MessageEvent<string>) => void>> }
      ).listeners
        .get(l)!
        .forEach((fn) => fn(new MessageEvent(l, { data: '{oops' })));
    }
    expect(h.store.getState()).toBe(before);
  });

  it('shows the data as stale while the browser reconnects by itself, and live again on the next snapshot', () => {
    const h = harness();
    h.store.start();
    h.streams[0]!.emit('snapshot', { statuses: [slaStatus()], alerts: [] });
    h.tick(500);
    h.streams[0]!.fail(false);
    expect(h.store.getState()).toMatchObject({ connection: 'down', downSinceMs: 1500, ready: true });
    expect(h.streams).toHaveLength(1);
    h.streams[0]!.open();
    h.streams[0]!.emit('snapshot', { statuses: [slaStatus()], alerts: [] });
    expect(h.store.getState().connection).toBe('open');
  });

  it('opens a new stream with back-off when the browser gives up', async () => {
    const h = harness();
    h.store.start();
    h.streams[0]!.fail(true);
    await flush();
    expect(h.streams[0]!.closed).toBe(true);
    expect(h.runTimers()).toEqual([1000]);
    expect(h.streams).toHaveLength(2);
    h.streams[1]!.fail(true);
    await flush();
    expect(h.runTimers()).toEqual([2000]);
    h.streams[2]!.open();
    h.streams[2]!.fail(true);
    await flush();
    expect(h.runTimers()).toEqual([1000]);
  });

  it('stops and says signed out when the session is gone', async () => {
    const h = harness({ signedOut: true });
    h.store.start();
    h.streams[0]!.fail(true);
    await flush();
    expect(h.store.getState().connection).toBe('signed_out');
    expect(h.timers).toEqual([]);
  });

  it('reads the annotations of alerts that arrived as transitions, once', async () => {
    const h = harness();
    h.store.start();
    h.streams[0]!.emit('snapshot', { statuses: [], alerts: [] });
    h.streams[0]!.emit('alert', transition());
    h.streams[0]!.emit('alert', transition({ from: 'pending', to: 'firing' }));
    expect(h.timers).toHaveLength(1);
    h.runTimers();
    await flush();
    expect(h.fetched()).toBe(1);
    expect(h.store.getState().alerts[0]!.annotations).toEqual({ summary: 'from the API' });
  });
});
