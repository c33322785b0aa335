import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from './migrations.js';
import { DEFAULT_RETENTION, openStore, StoreError, type Store } from './store.js';
import { answers, DAY, HOUR, SPECS, T0, update } from './test-support/scenario.js';
import { tempDirs } from './test-support/temp-dirs.js';
import type { SampleUpdate, SeriesType, TokenRecord } from './types.js';

const tempDir = tempDirs();

/** A database file in a fresh directory that does not exist yet, and a way to open it. */
function fileStore(): { file: string; open: () => Store } {
  const file = path.join(tempDir(), 'data', 'slactl.db');
  return { file, open: () => openStore({ path: file }) };
}

function rowCount(file: string, table: string): number {
  const db = new Sqlite(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('opening', () => {
  it('creates the directory, uses WAL, and migrates a fresh database to the latest schema', () => {
    const { file, open } = fileStore();
    open().close();
    const db = new Sqlite(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database written by a newer build', () => {
    const { file, open } = fileStore();
    open().close();
    const db = new Sqlite(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 4}`);
    db.close();
    expect(open).toThrow(StoreError);
    expect(open).toThrow(
      `database at ${file} was written by a newer slactl (schema ${SCHEMA_VERSION + 4}, this build knows ${SCHEMA_VERSION})`,
    );
  });

  it('names the file when it is not a database', () => {
    const { file, open } = fileStore();
    open().close();
    writeFileSync(file, 'not a database, just text that is long enough to have a header');
    expect(open).toThrow(
      new RegExp(`^cannot open database at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
  });

  it('checks retention options, naming the field', () => {
    expect(() => openStore({ path: ':memory:', retention: { minuteMs: -1 } })).toThrow(
      'retention.minuteMs must be a positive number of milliseconds, got -1',
    );
    expect(() =>
      openStore({ path: ':memory:', retention: { tenSecondMs: 9 * DAY, minuteMs: 8 * DAY } }),
    ).toThrow(/retention.tenSecondMs .* must not exceed retention.minuteMs/);
    expect(() => openStore({ path: '' })).toThrow(/path must be a database file/);
  });

  it('closes idempotently and refuses use afterwards', () => {
    const store = openStore({ path: ':memory:' });
    store.close();
    store.close();
    expect(() => store.apply([update(0, T0, 1)])).toThrow('the store at :memory: is closed');
    expect(() => store.listTokens()).toThrow(StoreError);
  });
});

describe('counters', () => {
  it('sums deltas over (from, to] and keeps a total', () => {
    const store = openStore({ path: ':memory:' });
    store.apply([
      update(0, T0 + 1, 2),
      update(0, T0 + 10_000, 3),
      update(0, T0 + 10_001, 5),
      update(0, T0 + 65_000, 7),
    ]);
    const [ref] = store.select(SPECS[0]!.name, { service: 'search' });
    expect(store.increase(ref!, T0, T0 + 10_000)).toBe(5);
    expect(store.increase(ref!, T0 + 10_000, T0 + 70_000)).toBe(12);
    expect(store.increase(ref!, T0 - DAY, T0 + DAY)).toBe(17);
    expect(store.increase(ref!, T0 + 70_000, T0 + DAY)).toBe(0);
    expect(store.increase(ref!, T0 + 20_000, T0 + 10_000)).toBe(0);
    expect(store.total(ref!)).toBe(17);
    expect(store.total(ref!, T0 + 10_000)).toBe(5);
    expect(store.total(ref!, T0)).toBe(0);
    // A step of a minute or more reads minute buckets: the point at T0 + 65 s counts the minute
    // buckets ending in (ceil(T0 + 5 s), ceil(T0 + 65 s)] = (T0 + 1 min, T0 + 2 min].
    expect(store.range(ref!, T0 + 5_000, T0 + 125_000, 60_000)).toEqual([
      { t: T0 + 65_000, value: 7 },
      { t: T0 + 125_000, value: 0 },
    ]);
    expect(store.range(ref!, T0, T0 + 60_000, 20_000)).toEqual([
      { t: T0 + 20_000, value: 10 },
      { t: T0 + 40_000, value: 0 },
      { t: T0 + 60_000, value: 0 },
    ]);
    store.close();
  });

  it('uses hour buckets where only they remain after a prune, and keeps totals', () => {
    const { file, open } = fileStore();
    const store = open();
    // One delta of 1 every 30 minutes over 40 days, stamped 1 s after the half hour.
    const updates: SampleUpdate[] = [];
    for (let t = T0 + 1_000; t < T0 + 40 * DAY; t += HOUR / 2) updates.push(update(0, t, 1));
    store.apply(updates);
    const [ref] = store.select(SPECS[0]!.name);
    const now = T0 + 40 * DAY;
    const before10s = rowCount(file, 'samples_10s');
    store.prune(now);
    expect(rowCount(file, 'samples_10s')).toBeLessThan(before10s);
    expect(rowCount(file, 'samples_10s')).toBe(2 * 26);
    expect(rowCount(file, 'samples_1m')).toBe(2 * 24 * 8);
    expect(rowCount(file, 'samples_1h')).toBe(24 * 35);
    expect(store.total(ref!)).toBe(updates.length);
    // 30 days back from now: all in hour buckets except the last 8 days (minutes) and 26 h (10 s).
    expect(store.increase(ref!, now - 30 * DAY, now)).toBe(30 * 48);
    expect(store.increase(ref!, now - 30 * DAY, now - 29 * DAY)).toBe(48);
    // Before the hour cutoff nothing is left but the total.
    expect(store.increase(ref!, T0, T0 + 5 * DAY)).toBe(0);
    expect(store.total(ref!, now - 30 * DAY)).toBe(10 * 48);
    store.close();
    const reopened = open();
    expect(reopened.increase(ref!, now - 30 * DAY, now)).toBe(30 * 48);
    expect(reopened.total(ref!)).toBe(updates.length);
    reopened.close();
  });

  it('does not write buckets a resolution has already pruned past, but counts them in the total', () => {
    const { file, open } = fileStore();
    const store = open();
    store.prune(T0 + 40 * DAY);
    store.apply([update(0, T0 + 20 * DAY, 4), update(0, T0 + 1_000, 5)]);
    expect(rowCount(file, 'samples_10s')).toBe(0);
    expect(rowCount(file, 'samples_1m')).toBe(0);
    expect(rowCount(file, 'samples_1h')).toBe(1);
    const [ref] = store.select(SPECS[0]!.name);
    expect(store.increase(ref!, T0, T0 + 40 * DAY)).toBe(4);
    expect(store.total(ref!)).toBe(9);
    store.close();
  });
});

describe('gauges and max series', () => {
  it('answers the newest gauge value at or before a time, out-of-order samples included', () => {
    const store = openStore({ path: ':memory:' });
    const g = 2;
    store.apply([update(g, T0 + 25_000, 3), update(g, T0 + 5_000, 1), update(g, T0 + 15_000, 2)]);
    store.apply([update(g, T0 + 12_000, 99)]); // late and older than the 15 s sample of its bucket: ignored
    const [ref] = store.select(SPECS[g]!.name);
    expect(store.latest(ref!, T0)).toBeUndefined();
    expect(store.latest(ref!, T0 + 4_999)).toBeUndefined();
    expect(store.latest(ref!, T0 + 10_000)).toEqual({ t: T0 + 5_000, value: 1 });
    expect(store.latest(ref!, T0 + 20_000)).toEqual({ t: T0 + 15_000, value: 2 });
    expect(store.latest(ref!, T0 + 30_000)).toEqual({ t: T0 + 25_000, value: 3 });
    expect(store.latest(ref!, T0 + 10 * DAY)).toEqual({ t: T0 + 25_000, value: 3 });
    // Same sample time: the later update wins.
    store.apply([update(g, T0 + 25_000, 4)]);
    expect(store.latest(ref!, T0 + 30_000)).toEqual({ t: T0 + 25_000, value: 4 });
    expect(store.range(ref!, T0, T0 + 30_000, 10_000)).toEqual([
      { t: T0 + 10_000, value: 1 },
      { t: T0 + 20_000, value: 2 },
      { t: T0 + 30_000, value: 4 },
    ]);
    store.close();
  });

  it('answers the largest max value so far, older late samples never moving it back', () => {
    const store = openStore({ path: ':memory:' });
    const m = 3;
    store.apply([update(m, T0 + 5_000, 100), update(m, T0 + 15_000, 300)]);
    store.apply([update(m, T0 + 25_000, 200)]); // a late, older event
    const [ref] = store.select(SPECS[m]!.name);
    expect(store.latest(ref!, T0)).toBeUndefined();
    expect(store.latest(ref!, T0 + 10_000)).toEqual({ t: T0 + 5_000, value: 100 });
    expect(store.latest(ref!, T0 + 30_000)).toEqual({ t: T0 + 15_000, value: 300 });
    store.apply([update(m, T0 + 16_000, 300)]);
    expect(store.latest(ref!, T0 + 30_000)).toEqual({ t: T0 + 15_000, value: 300 });
    store.close();
  });

  it('keeps a gauge value after its buckets are pruned (it stays until replaced)', () => {
    const store = openStore({ path: ':memory:' });
    store.apply([update(2, T0, 7), update(3, T0, 8)]);
    store.prune(T0 + 60 * DAY);
    const [g] = store.select(SPECS[2]!.name);
    const [m] = store.select(SPECS[3]!.name);
    expect(store.latest(g!, T0 + 60 * DAY)).toEqual({ t: T0, value: 7 });
    expect(store.latest(m!, T0 + 60 * DAY)).toEqual({ t: T0, value: 8 });
    store.close();
  });

  it('rejects queries that do not fit the series type', () => {
    const store = openStore({ path: ':memory:' });
    store.apply([update(0, T0, 1), update(2, T0, 1)]);
    const [c] = store.select(SPECS[0]!.name);
    const [g] = store.select(SPECS[2]!.name);
    expect(() => store.increase(g!, T0, T0 + 1)).toThrow(
      'increase() needs a counter series; slactl_stream_lag{consumer_group="g1",service="search"} is a gauge',
    );
    expect(() => store.latest(c!, T0)).toThrow('latest() needs a gauge or max series');
    expect(() => store.increase({ ...c!, id: 999 }, T0, T0 + 1)).toThrow(/no series .* with id 999/);
    expect(() => store.range(c!, T0, T0 + DAY, 1)).toThrow(/exceeds 11000; use a longer step/);
    expect(() => store.increase(c!, Number.NaN, T0)).toThrow('increase(): times must be numbers');
    expect(store.increase(c!, -Infinity, Infinity)).toBe(1);
    expect(() => store.prune(Infinity)).toThrow(
      'prune(): the time must be a finite number of ms since the epoch',
    );
    store.close();
  });
});

describe('increases', () => {
  it('answers several windows ending at the same time, each as increase does', () => {
    const store = openStore({ path: ':memory:' });
    store.apply([update(0, T0 + 1, 2), update(0, T0 + 10_000, 3), update(0, T0 + 65_000, 7)]);
    const [ref] = store.select(SPECS[0]!.name, { service: 'search' });
    const to = T0 + 70_000;
    const froms = [T0, to - 60_000, to, to + 1, -Infinity];
    const out: number[] = [];
    store.increases(ref!, froms, to, out);
    expect(out).toEqual([12, 7, 0, 0, 12]);
    expect(out).toEqual(froms.map((from) => store.increase(ref!, from, to)));
    // A copy of the ref (not the store's own object) is checked, then answered the same.
    const typed = new Float64Array(2);
    store.increases({ ...ref! }, [T0, -Infinity], to, typed);
    expect([...typed]).toEqual([12, 12]);
    store.close();
  });

  it('rejects what increase rejects, and an answer array too short for the windows', () => {
    const store = openStore({ path: ':memory:' });
    store.apply([update(0, T0, 1), update(2, T0, 1)]);
    const [c] = store.select(SPECS[0]!.name);
    const [g] = store.select(SPECS[2]!.name);
    expect(() => store.increases(g!, [T0], T0 + 1, [])).toThrow(
      'increases() needs a counter series; slactl_stream_lag{consumer_group="g1",service="search"} is a gauge',
    );
    expect(() => store.increases({ ...c!, id: 999 }, [T0], T0 + 1, [])).toThrow(/no series .* with id 999/);
    expect(() => store.increases(c!, [T0, Number.NaN], T0 + 1, [])).toThrow(
      'increases(): times must be numbers of ms since the epoch, got NaN',
    );
    expect(() => store.increases(c!, [T0], Number.NaN, [])).toThrow('increases(): times must be numbers');
    expect(() => store.increases(c!, 'T0' as unknown as number[], T0 + 1, [])).toThrow(
      'increases(): the window starts must be an array of times',
    );
    expect(() => store.increases(c!, [T0], T0 + 1, {} as number[])).toThrow(
      'increases(): out must be an array or a Float64Array',
    );
    expect(() => store.increases(c!, [T0, T0], T0 + 1, new Float64Array(1))).toThrow(
      'increases(): out holds 1 values, fewer than the 2 windows asked for',
    );
    store.close();
    expect(() => store.increases(c!, [T0], T0 + 1, [])).toThrow(/is closed/);
    expect(() => store.increase(c!, T0, T0 + 1)).toThrow(/is closed/);
  });
});

describe('apply is all or nothing', () => {
  const good = (): SampleUpdate[] => [update(0, T0 + 1_000, 1), update(2, T0 + 2_000, 5)];
  const probes = [T0, T0 + 10_000, T0 + 60_000, T0 + HOUR];

  it.each<[string, SampleUpdate, RegExp]>([
    [
      'NaN value',
      update(0, T0, Number.NaN),
      /^update 2 \(slactl_requests_total\): value must be a finite number, got NaN/,
    ],
    [
      'negative delta',
      update(1, T0, -1),
      /^update 2 \(slactl_requests_total\): counter delta must be >= 0, got -1/,
    ],
    [
      'type change',
      { ...update(2, T0, 1), type: 'counter' },
      /^update 2: slactl_stream_lag\{consumer_group="g1",service="search"\} is a gauge series, not a counter/,
    ],
    [
      'infinite time',
      update(0, Infinity, 1),
      /^update 2 .*sample time t must be a finite number, got Infinity/,
    ],
    ['empty name', { ...update(0, T0, 1), name: '' }, /^update 2: name must be a non-empty string/],
    [
      'number label',
      { ...update(0, T0, 1), labels: { service: 1 as unknown as string } },
      /label service must be a string/,
    ],
    [
      'unknown type',
      { ...update(0, T0, 1), type: 'histogram' as 'counter' },
      /unknown series type "histogram"/,
    ],
  ])('rejects a batch with one %s, writing nothing', (_, bad, message) => {
    const { file, open } = fileStore();
    const store = open();
    store.apply(good());
    const before = answers(store, probes);
    const batch = [update(0, T0 + 3_000, 10), update(1, T0 + 3_000, 10), bad, update(3, T0, 1)];
    expect(() => store.apply(batch)).toThrow(message);
    expect(answers(store, probes)).toEqual(before);
    expect(store.select(SPECS[1]!.name, SPECS[1]!.labels)).toEqual([]);
    store.close();
    const reopened = open();
    expect(answers(reopened, probes)).toEqual(before);
    reopened.close();
    expect(rowCount(file, 'series')).toBe(2);
  });

  it('rejects a type change within one batch, naming both updates', () => {
    const store = openStore({ path: ':memory:' });
    expect(() =>
      store.apply([update(0, T0, 1), update(1, T0, 1), { ...update(1, T0, 1), type: 'max' }]),
    ).toThrow(
      /^update 2: slactl_requests_total\{code="500",service="fraud"\} is a counter series in update 1, not a max/,
    );
    expect(store.seriesCount('fraud')).toBe(0);
    store.close();
  });

  it('leaves memory untouched when the transaction itself fails', () => {
    const { file, open } = fileStore();
    const store = open();
    store.apply(good());
    const before = answers(store, probes);
    // Another connection makes SQLite refuse one bucket in the middle of the batch.
    const db = new Sqlite(file);
    db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON samples_1h WHEN NEW.value = 666 BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
    db.close();
    expect(() => store.apply([update(1, T0, 1), update(0, T0 + 5_000, 2), update(3, T0, 666)])).toThrow(
      /^writing 3 series to .* failed: refused/,
    );
    expect(answers(store, probes)).toEqual(before);
    store.close();
    const reopened = open();
    expect(answers(reopened, probes)).toEqual(before);
    reopened.close();
  });

  it('coalesces a batch into one bucket per series and resolution', () => {
    const { file, open } = fileStore();
    const store = open();
    const batch: SampleUpdate[] = [];
    for (let i = 0; i < 1_000; i++) batch.push(update(0, T0 + 1 + (i % 10) * 500, 1));
    store.apply(batch);
    expect(rowCount(file, 'samples_10s')).toBe(1);
    const [ref] = store.select(SPECS[0]!.name);
    expect(store.increase(ref!, T0, T0 + 10_000)).toBe(1_000);
    store.close();
  });
});

describe('select and seriesCount', () => {
  it('matches by name and label subset, and counts series per service', () => {
    const store = openStore({ path: ':memory:' });
    store.apply(SPECS.map((_, i) => update(i, T0, 1)));
    store.apply([{ name: 'slactl_up', labels: {}, type: 'gauge', t: T0, value: 1 }]);
    const names = (refs: ReturnType<Store['select']>): string[] =>
      refs.map((r) => `${r.name}${JSON.stringify(r.labels)}`).sort();
    expect(names(store.select('slactl_requests_total'))).toEqual([
      'slactl_requests_total{"code":"500","service":"fraud"}',
      'slactl_requests_total{"service":"search"}',
    ]);
    expect(names(store.select('slactl_requests_total', { service: 'fraud' }))).toEqual([
      'slactl_requests_total{"code":"500","service":"fraud"}',
    ]);
    expect(names(store.select('slactl_requests_total', { code: '500' }))).toEqual([
      'slactl_requests_total{"code":"500","service":"fraud"}',
    ]);
    expect(store.select('slactl_requests_total', { service: 'search', code: '500' })).toEqual([]);
    expect(store.select('slactl_requests_total', { toString: 'x' })).toEqual([]);
    expect(store.select('slactl_nothing')).toEqual([]);
    expect(names(store.select('slactl_up'))).toEqual(['slactl_up{}']);
    expect(store.seriesCount('search')).toBe(3);
    expect(store.seriesCount('fraud')).toBe(1);
    expect(store.seriesCount('other')).toBe(0);
    // Label order does not make a new series.
    store.apply([{ ...update(1, T0, 1), labels: { service: 'fraud', code: '500' } }]);
    store.apply([{ ...update(1, T0, 1), labels: { code: '500', service: 'fraud' } }]);
    expect(store.seriesCount('fraud')).toBe(1);
    store.close();
  });
});

describe('references and tokens', () => {
  it('round-trips references, a new one replacing the old', () => {
    const { open } = fileStore();
    const store = open();
    store.setReference('search', 'ctr', { kind: 'numeric', values: [0.1, 0.2, 0.3] }, T0);
    store.setReference('fraud', 'country', { kind: 'categorical', counts: { de: 3, fr: 1 } }, T0 + 1);
    store.setReference('search', 'ctr', { kind: 'numeric', values: [0.5] }, T0 + 2);
    expect(() => store.setReference('search', 'x', { kind: 'numeric', values: [1, Number.NaN] }, T0)).toThrow(
      'reference for service search, feature x: values[1] must be a finite number, got NaN',
    );
    store.close();
    const reopened = open();
    expect(reopened.getReference('search', 'ctr')).toEqual({
      reference: { kind: 'numeric', values: [0.5] },
      atMs: T0 + 2,
    });
    expect(reopened.getReference('fraud', 'country')).toEqual({
      reference: { kind: 'categorical', counts: { de: 3, fr: 1 } },
      atMs: T0 + 1,
    });
    expect(reopened.getReference('search', 'x')).toBeUndefined();
    expect(reopened.listReferences()).toEqual([
      { service: 'fraud', feature: 'country', atMs: T0 + 1 },
      { service: 'search', feature: 'ctr', atMs: T0 + 2 },
    ]);
    reopened.close();
  });

  it('serves references from memory: answers agree before and after a reopen, and callers cannot alter them', () => {
    const { open } = fileStore();
    const store = open();
    const values = [0.1, 0.2];
    store.setReference('search', 'ctr', { kind: 'numeric', values }, T0);
    values.push(99); // the caller's object changes after the write: the stored reference does not
    expect(store.getReference('search', 'ctr')?.reference).toEqual({ kind: 'numeric', values: [0.1, 0.2] });
    const got = store.getReference('search', 'ctr')!.reference as { values: number[] };
    expect(() => got.values.push(1)).toThrow(TypeError);
    const listed = store.listReferences();
    listed.pop();
    expect(store.listReferences()).toHaveLength(1);
    store.setReference('ads', 'ctr', { kind: 'numeric', values: [1] }, T0 + 1);
    const before = store.listReferences();
    store.close();
    const reopened = open();
    expect(reopened.listReferences()).toEqual(before);
    expect(before.map((r) => r.service)).toEqual(['ads', 'search']);
    reopened.close();
  });

  it('stores tokens by hash, revokes them, and shares them with another open store', () => {
    const { open } = fileStore();
    const store = open();
    const admin: TokenRecord = {
      id: 't1',
      name: 'admin',
      hash: 'a'.repeat(64),
      scopes: ['admin'],
      createdAt: T0,
    };
    const reader: TokenRecord = {
      id: 't2',
      name: 'ci',
      hash: 'b'.repeat(64),
      scopes: ['read', 'ingest'],
      createdAt: T0 + 1,
    };
    store.addToken(admin);
    const other = open(); // e.g. `slactl token create` while the server runs
    other.addToken(reader);
    expect(store.findTokenByHash('b'.repeat(64))).toEqual(reader);
    expect(store.listTokens()).toEqual([admin, reader]);
    expect(() => store.addToken({ ...reader, hash: 'c'.repeat(64) })).toThrow(
      'a token with id t2 already exists',
    );
    expect(() => store.addToken({ ...reader, id: 't3' })).toThrow('token t3: its hash is already stored');
    expect(() => store.addToken({ ...reader, id: 't4', scopes: ['root' as 'admin'] })).toThrow(
      'token t4: unknown scope "root"',
    );
    expect(() => store.addToken({ ...reader, id: 't5', hash: 'secret' })).toThrow(
      /hash must be a hex SHA-256/,
    );
    expect(store.revokeToken('t1', T0 + 5)).toBe(true);
    expect(store.revokeToken('t1', T0 + 6)).toBe(false);
    expect(store.revokeToken('nope', T0 + 6)).toBe(false);
    expect(other.findTokenByHash('a'.repeat(64))).toBeUndefined();
    expect(other.listTokens()).toEqual([{ ...admin, revokedAt: T0 + 5 }, reader]);
    other.close();
    store.close();
  });
});

describe('writing many series in one batch', () => {
  const TYPES: SeriesType[] = ['counter', 'gauge', 'max'];

  /** `perType` series of each type, each with samples in two 10 s buckets of one minute. */
  function manySeries(perType: number, value = (i: number) => i + 1): SampleUpdate[] {
    const updates: SampleUpdate[] = [];
    for (const type of TYPES) {
      for (let i = 0; i < perType; i++) {
        const labels = { service: 'bulk', n: String(i) };
        const name = `bulk_${type}`;
        updates.push({ name, labels, type, t: T0 + 1_000 + i, value: value(i) });
        updates.push({ name, labels, type, t: T0 + 15_000, value: value(i) + 0.5 });
        updates.push({ name, labels, type, t: T0 + 2_000 + i, value: value(i) * 2 });
      }
    }
    return updates;
  }

  /** Every query's answer for every bulk series. */
  function bulkAnswers(store: Store): unknown[] {
    const probes = [T0, T0 + 5_000, T0 + 10_000, T0 + 20_000, T0 + HOUR];
    return TYPES.flatMap((type) =>
      store
        .select(`bulk_${type}`)
        .map((ref) =>
          type === 'counter'
            ? [ref.labels, store.total(ref), probes.map((p) => store.increase(ref, T0, p))]
            : [ref.labels, probes.map((p) => store.latest(ref, p))],
        ),
    );
  }

  it.each([1, 5, 64, 65, 150])(
    '%i series per type answer as if each update were applied on its own, also after a reopen',
    (perType) => {
      const bulk = fileStore();
      const single = fileStore();
      const a = bulk.open();
      const b = single.open();
      const updates = manySeries(perType);
      a.apply(updates);
      for (const u of updates) b.apply([u]);
      const expected = bulkAnswers(b);
      expect(expected).toHaveLength(3 * perType);
      expect(bulkAnswers(a)).toEqual(expected);
      a.close();
      b.close();
      for (const table of ['samples_10s', 'samples_1m', 'samples_1h', 'series_totals'])
        expect([table, rowCount(bulk.file, table)]).toEqual([table, rowCount(single.file, table)]);
      const reopened = bulk.open();
      expect(bulkAnswers(reopened)).toEqual(expected);
      reopened.close();
    },
  );

  it('leaves nothing of a refused batch queued for the next one', () => {
    const refused = fileStore();
    const clean = fileStore();
    const store = refused.open();
    const db = new Sqlite(refused.file);
    db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON samples_1h WHEN NEW.value = 666 BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
    db.close();
    // 100 series per type: the refused row is in the first full statement, with rows of other
    // tables and of the totals still queued behind it.
    expect(() => store.apply(manySeries(100, (i) => (i === 10 ? 333 : i + 1)))).toThrow(/refused/);
    const good = manySeries(100, (i) => i + 7);
    store.apply(good);
    const other = clean.open();
    other.apply(good);
    expect(bulkAnswers(store)).toEqual(bulkAnswers(other));
    store.close();
    other.close();
    expect(rowCount(refused.file, 'series_totals')).toBe(rowCount(clean.file, 'series_totals'));
    const reopened = refused.open();
    const expected = clean.open();
    expect(bulkAnswers(reopened)).toEqual(bulkAnswers(expected));
    reopened.close();
    expected.close();
  });
});

describe('durability', () => {
  it('keeps an applied batch when the process is killed with SIGKILL before closing', async () => {
    const { file, open } = fileStore();
    const here = path.dirname(fileURLToPath(import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'test-support', 'apply-and-hang.ts'), file],
      {
        // From the repository root, where `tsx` resolves.
        cwd: path.resolve(here, '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('applied')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}: ${output}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const store = open();
    const [ref] = store.select(SPECS[0]!.name);
    expect(store.total(ref!)).toBe(1_000);
    expect(store.increase(ref!, T0, T0 + HOUR)).toBe(1_000);
    store.close();
  });
});

describe('retention defaults', () => {
  it('keeps 10 s buckets 26 h, minutes 8 days, hours 35 days', () => {
    expect(DEFAULT_RETENTION).toEqual({ tenSecondMs: 26 * HOUR, minuteMs: 8 * DAY, hourMs: 35 * DAY });
  });
});
