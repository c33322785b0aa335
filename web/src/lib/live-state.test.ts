import { describe, expect, it } from 'vitest';
import { alert, runEvent, slaStatus, transition } from '../test-support/fixtures';
import {
  HISTORY_LIMIT,
  INITIAL_STATE,
  labelKey,
  needsAnnotations,
  reduceLive,
  RUNS_LIMIT,
  type LiveState,
} from './live-state';

const snapshot = (state: LiveState = INITIAL_STATE) =>
  reduceLive(state, { type: 'snapshot', data: { statuses: [slaStatus()], alerts: [alert()] }, atMs: 10 });

describe('live state', () => {
  it('takes the data source from a snapshot and from dataSource events, and forgets it with a snapshot without one', () => {
    const source = {
      kind: 'prometheus' as const,
      url: 'http://prom:9090',
      healthy: true,
      lastSuccessAt: '2026-12-06T03:00:00.000Z',
      lastAttemptAt: '2026-12-06T03:00:00.000Z',
    };
    const withSource = reduceLive(INITIAL_STATE, {
      type: 'snapshot',
      data: { statuses: [], alerts: [], dataSource: source },
      atMs: 10,
    });
    expect(withSource.dataSource).toEqual(source);
    const down = reduceLive(withSource, {
      type: 'dataSource',
      data: { ...source, healthy: false, error: 'unreachable' },
      atMs: 20,
    });
    expect(down.dataSource).toMatchObject({ healthy: false, error: 'unreachable' });
    expect(down.lastEventMs).toBe(20);
    // An older server's snapshot has no data source: nothing stale is kept.
    const older = reduceLive(down, { type: 'snapshot', data: { statuses: [], alerts: [] }, atMs: 30 });
    expect(older.dataSource).toBeUndefined();
    expect('dataSource' in older).toBe(false);
  });

  it('takes a snapshot whole: ready, open, and everything the client held replaced', () => {
    const s = snapshot();
    expect(s).toMatchObject({ ready: true, connection: 'open', lastEventMs: 10 });
    expect(s.alerts.map((a) => a.fingerprint)).toEqual(['e21583575e0396e2']);
    const again = reduceLive(s, { type: 'snapshot', data: { statuses: [], alerts: [] }, atMs: 20 });
    expect(again.alerts).toEqual([]);
    expect(again.statuses).toEqual([]);
  });

  it('adds an alert on pending, updates it on firing and removes it when resolved, keeping history', () => {
    let s = reduceLive(INITIAL_STATE, { type: 'snapshot', data: { statuses: [], alerts: [] }, atMs: 0 });
    s = reduceLive(s, { type: 'alert', data: transition({ at: 100, to: 'pending' }), atMs: 1 });
    expect(s.alerts).toMatchObject([{ state: 'pending', activeAt: 100, annotations: {} }]);
    expect(needsAnnotations(s)).toBe(true);
    s = reduceLive(s, {
      type: 'alert',
      data: transition({ at: 400, from: 'pending', to: 'firing', value: 0.8 }),
      atMs: 2,
    });
    expect(s.alerts).toMatchObject([{ state: 'firing', activeAt: 100, firedAt: 400, value: 0.8 }]);
    s = reduceLive(s, {
      type: 'alert',
      data: transition({ at: 900, from: 'firing', to: 'resolved' }),
      atMs: 3,
    });
    expect(s.alerts).toEqual([]);
    expect(s.history.map((t) => t.to)).toEqual(['pending', 'firing', 'resolved']);
  });

  it('removes a pending alert that ends without firing, and ignores the end of an unknown one', () => {
    let s = snapshot();
    s = reduceLive(s, { type: 'alert', data: transition({ from: 'pending', to: 'inactive' }), atMs: 1 });
    expect(s.alerts).toEqual([]);
    const same = reduceLive(s, {
      type: 'alert',
      data: transition({ fingerprint: 'nope', to: 'resolved' }),
      atMs: 2,
    });
    expect(same.alerts).toEqual([]);
  });

  it('keeps at most HISTORY_LIMIT transitions', () => {
    let s = snapshot();
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      s = reduceLive(s, { type: 'alert', data: transition({ at: i, fingerprint: `f${i}` }), atMs: i });
    }
    expect(s.history).toHaveLength(HISTORY_LIMIT);
    expect(s.history[0]!.at).toBe(5);
  });

  it('replaces the status of one SLA and appends an unknown one', () => {
    let s = snapshot();
    s = reduceLive(s, { type: 'status', data: slaStatus({ status: 'critical' }), atMs: 5 });
    expect(s.statuses.map((x) => `${x.name}:${x.status}`)).toEqual(['recommendations:critical']);
    s = reduceLive(s, { type: 'status', data: slaStatus({ name: 'fraud-scoring' }), atMs: 6 });
    expect(s.statuses.map((x) => x.name)).toEqual(['recommendations', 'fraud-scoring']);
  });

  it('goes down with the time it went down, keeps its data, and clears it when the stream is back', () => {
    let s = snapshot();
    s = reduceLive(s, { type: 'down', atMs: 1000 });
    s = reduceLive(s, { type: 'down', atMs: 4000 });
    expect(s).toMatchObject({ connection: 'down', downSinceMs: 1000, ready: true });
    expect(s.statuses).toHaveLength(1);
    s = reduceLive(s, { type: 'open', atMs: 5000 });
    expect(s.connection).toBe('open');
    expect(s.downSinceMs).toBeUndefined();
  });

  it('stays signed out once signed out', () => {
    const s = reduceLive(reduceLive(snapshot(), { type: 'signed_out' }), { type: 'down', atMs: 1 });
    expect(s.connection).toBe('signed_out');
  });

  it('fills in the annotations of alerts that came as transitions, matched by their labels', () => {
    let s = reduceLive(INITIAL_STATE, { type: 'snapshot', data: { statuses: [], alerts: [] }, atMs: 0 });
    s = reduceLive(s, { type: 'alert', data: transition(), atMs: 1 });
    const labels = Object.fromEntries(Object.entries(transition().labels).reverse());
    s = reduceLive(s, {
      type: 'annotations',
      alerts: [
        { labels, annotations: { summary: 'recall low' }, state: 'pending', activeAt: '', value: '0.9' },
      ],
    });
    expect(s.alerts[0]!.annotations).toEqual({ summary: 'recall low' });
    expect(needsAnnotations(s)).toBe(false);
    expect(labelKey({ b: '1', a: '2' })).toBe(labelKey({ a: '2', b: '1' }));
  });

  it('keeps the latest view of each run, newest change first, across snapshots', () => {
    let s = snapshot();
    s = reduceLive(s, { type: 'run', data: runEvent(), atMs: 11 });
    s = reduceLive(s, {
      type: 'run',
      data: runEvent({ id: 'other', updatedAt: '2026-11-22T06:00:31.000Z' }),
      atMs: 12,
    });
    const verifying = runEvent({ state: 'verifying', updatedAt: '2026-11-22T06:00:32.000Z' });
    s = reduceLive(s, { type: 'run', data: verifying, atMs: 13 });
    expect(s.runs.map((r) => [r.id, r.state])).toEqual([
      ['01JD2Q4J7N0000000000000000', 'verifying'],
      ['other', 'executing'],
    ]);
    expect(s.lastEventMs).toBe(13);
    // An older transition arriving late does not undo a newer one.
    expect(reduceLive(s, { type: 'run', data: runEvent(), atMs: 14 })).toBe(s);
    // A reconnection's snapshot has no runs: the ones seen stay.
    expect(snapshot(s).runs).toHaveLength(2);
  });

  it('keeps at most RUNS_LIMIT runs', () => {
    let s = INITIAL_STATE;
    for (let i = 0; i < RUNS_LIMIT + 5; i++)
      s = reduceLive(s, { type: 'run', data: runEvent({ id: `r${i}` }), atMs: i });
    expect(s.runs).toHaveLength(RUNS_LIMIT);
    expect(s.runs[0]!.id).toBe(`r${RUNS_LIMIT + 4}`);
  });
});
