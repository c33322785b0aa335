// Series lookups for the evaluator: selections are resolved once and kept until the service gains or
// loses series, and each (series, window) increase is computed once per cycle however many rules,
// tiers, SLAs and status fields read it.
import type { Labels, SeriesRef, SeriesStore } from '../store/types.js';

/** A selector (`name{service="…",…}`) whose series are cached between cycles. */
export class Selection {
  refs: readonly SeriesRef[] = [];
  /** The service's generation the refs were selected at; -1 before the first selection. */
  generation = -1;
  /** Anything derived from `refs` (bucket bounds, groups); dropped when the refs change. */
  derived: unknown = undefined;
  /** The cache's cycle `refs` was last checked in (a service's series change only between cycles). */
  checkedIn = -1;

  constructor(
    readonly service: string,
    readonly name: string,
    readonly match: Labels,
  ) {}
}

/** Series ids above this are not memoized (12 bytes a series a window): their increases are recomputed. */
const MAX_MEMO_ID = 16_000_000;

/** Whether a series id can index the memo's typed arrays. */
function memoizable(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= MAX_MEMO_ID;
}

/** A typed array of at least `size` slots holding `array`'s values (the same array when big enough). */
function grown<T extends Float64Array | Int32Array>(array: T, size: number, make: (size: number) => T): T {
  if (size <= array.length) return array;
  const out = make(Math.min(MAX_MEMO_ID + 1, Math.max(size, array.length * 2)));
  out.set(array);
  return out;
}

/**
 * Increases of one window by series id. Ids are small integers, so typed arrays stamped with the cycle
 * replace a map that would be rebuilt (and collected) every cycle.
 */
class WindowMemo {
  values = new Float64Array(1024);
  cycles = new Int32Array(1024);

  constructor(
    readonly windowMs: number,
    /** This window's bit in a series' mask of windows (0 past the 31st window: never batched). */
    readonly bit: number,
  ) {}

  cycleOf(id: number): number {
    return this.cycles[id] ?? -1;
  }

  /** Records a memoizable id's value for the cycle. */
  set(id: number, cycle: number, value: number): void {
    if (id >= this.values.length) {
      this.values = grown(this.values, id + 1, (n) => new Float64Array(n));
      this.cycles = grown(this.cycles, id + 1, (n) => new Int32Array(n));
    }
    this.values[id] = value;
    this.cycles[id] = cycle;
  }
}

/** Windows that get a bit in a series' window mask (an Int32 of bits). */
const MAX_BATCHED_WINDOWS = 31;

/** The object of `store`'s prototype chain that defines `key` (null when none does). */
function definer(store: object, key: string): object | null {
  let owner: object | null = store;
  while (owner !== null && !Object.hasOwn(owner, key)) owner = Object.getPrototypeOf(owner) as object | null;
  return owner;
}

/**
 * Whether to read the store's windows together with `increases`: it has one, defined alongside its
 * `increase`. A wrapper that overrides only one of them (`Object.create(store)` with its own
 * `increase`, as tests count or fail reads) must see every read, so it is read window by window.
 */
export function readsWindowsTogether(store: SeriesStore): boolean {
  return typeof store.increases === 'function' && definer(store, 'increase') === definer(store, 'increases');
}

interface ServiceState {
  /** The store's series count of the service at the last check. */
  count: number;
  /** Bumped whenever the count changes: every selection of the service is then made again. */
  generation: number;
  /** The cycle the count was last checked in. */
  checkedIn: number;
}

function selectionKey(service: string, name: string, match: Labels): string {
  let key = `${service}\u0000${name}`;
  for (const label of Object.keys(match).sort()) key += `\u0000${label}\u0001${match[label]}`;
  return key;
}

/**
 * Cached series selections and per-cycle increases over one store.
 *
 * Increases are memoized per (series, window) for the cycle. A series remembers the windows it was
 * ever read over (a bit mask, set on a miss), and its first miss in a cycle computes all of them at
 * once with the store's `increases`: a request counter read over 5m, 30m, 1h, 2h, 6h, 1d, 3d and 30d
 * costs one store call a cycle instead of eight. A window read once during an incident and not since
 * keeps being computed with the others, which costs one search; the store answers exactly as
 * `increase` would.
 */
export class SeriesCache {
  private readonly services = new Map<string, ServiceState>();
  private readonly selections = new Map<string, Selection>();
  /** windowMs → increase over (at − windowMs, at] by series id, valid where stamped with the cycle. */
  private readonly windows = new Map<number, WindowMemo>();
  /** The memos in the order their windows were first read: bit k of a mask is byBit[k]. */
  private readonly byBit: WindowMemo[] = [];
  /** Per series id: the bits of the windows it was read over. */
  private masks = new Int32Array(1024);
  /** Whether windows are read together (see readsWindowsTogether). */
  private readonly together: boolean;
  /** Scratch of a batched read: its memos, window starts (by batch size) and answers. */
  private readonly batchMemos: WindowMemo[] = [];
  private readonly batchFroms: Float64Array[] = [];
  private readonly batchOut = new Float64Array(MAX_BATCHED_WINDOWS);
  private at = 0;
  /** Starts above 0, the stamp of memo slots never written. */
  private cycle = 1;

  constructor(private readonly store: SeriesStore) {
    this.together = readsWindowsTogether(store);
  }

  /** Starts a cycle at `at`: forgets the last cycle's increases and rechecks series counts when used. */
  begin(at: number): void {
    this.at = at;
    this.cycle++;
  }

  /** The cycle's evaluation time. */
  get now(): number {
    return this.at;
  }

  /** The shared selection of `name{service="<service>", …match}`; make it once and keep it. */
  selection(service: string, name: string, match: Labels = {}): Selection {
    const key = selectionKey(service, name, match);
    let selection = this.selections.get(key);
    if (selection === undefined) {
      selection = new Selection(service, name, { ...match, service });
      this.selections.set(key, selection);
    }
    return selection;
  }

  private generation(service: string): number {
    let state = this.services.get(service);
    if (state === undefined) {
      state = { count: -1, generation: 0, checkedIn: -1 };
      this.services.set(service, state);
    }
    if (state.checkedIn !== this.cycle) {
      // New series (a first error, a new feature) change the count; re-select everything of the service.
      const count = this.store.seriesCount(service);
      if (count !== state.count) {
        state.count = count;
        state.generation++;
      }
      state.checkedIn = this.cycle;
    }
    return state.generation;
  }

  /** The series of a selection, selected again when its service's series changed. */
  refs(selection: Selection): readonly SeriesRef[] {
    if (selection.checkedIn === this.cycle) return selection.refs;
    const generation = this.generation(selection.service);
    if (selection.generation !== generation) {
      selection.refs = this.store.select(selection.name, selection.match);
      selection.generation = generation;
      selection.derived = undefined;
    }
    selection.checkedIn = this.cycle;
    return selection.refs;
  }

  private window(windowMs: number): WindowMemo {
    let memo = this.windows.get(windowMs);
    if (memo === undefined) {
      const k = this.byBit.length;
      memo = new WindowMemo(windowMs, k < MAX_BATCHED_WINDOWS ? 1 << k : 0);
      if (memo.bit !== 0) this.byBit.push(memo);
      this.windows.set(windowMs, memo);
    }
    return memo;
  }

  /** Increase of a counter over (at − windowMs, at]. */
  increase(ref: SeriesRef, windowMs: number): number {
    return this.read(ref, this.window(windowMs));
  }

  /** Sum of the increases of `refs` over (at − windowMs, at], in order (0 for none). */
  sumIncreaseOf(refs: readonly SeriesRef[], windowMs: number): number {
    const memo = this.window(windowMs);
    let sum = 0;
    for (let i = 0; i < refs.length; i++) sum += this.read(refs[i]!, memo);
    return sum;
  }

  /** `sum(increase(…))` of a selection; undefined when it selects no series (an empty vector). */
  sumIncrease(selection: Selection, windowMs: number): number | undefined {
    const refs = this.refs(selection);
    if (refs.length === 0) return undefined;
    return this.sumIncreaseOf(refs, windowMs);
  }

  private read(ref: SeriesRef, memo: WindowMemo): number {
    const id = ref.id;
    if (memo.cycleOf(id) === this.cycle) return memo.values[id]!;
    if (!memoizable(id)) return this.store.increase(ref, this.at - memo.windowMs, this.at);
    if (!this.together || memo.bit === 0) {
      const value = this.store.increase(ref, this.at - memo.windowMs, this.at);
      memo.set(id, this.cycle, value);
      return value;
    }
    return this.readBatch(ref, memo);
  }

  /** A miss of a memoizable series: computes every window of its mask not yet known this cycle. */
  private readBatch(ref: SeriesRef, memo: WindowMemo): number {
    const id = ref.id;
    if (id >= this.masks.length) this.masks = grown(this.masks, id + 1, (n) => new Int32Array(n));
    const mask = this.masks[id]! | memo.bit;
    this.masks[id] = mask;
    const { cycle, at } = this;
    if (mask === memo.bit) {
      // The one window this series is read over.
      const value = this.store.increase(ref, at - memo.windowMs, at);
      memo.set(id, cycle, value);
      return value;
    }
    const memos = this.batchMemos;
    let n = 0;
    for (let k = 0; k < this.byBit.length; k++) {
      const other = this.byBit[k]!;
      if ((mask & other.bit) !== 0 && other.cycleOf(id) !== cycle) memos[n++] = other;
    }
    if (n === 1) {
      const value = this.store.increase(ref, at - memo.windowMs, at);
      memo.set(id, cycle, value);
      return value;
    }
    // The store answers as many windows as it is given starts: one array per batch size.
    const froms = (this.batchFroms[n] ??= new Float64Array(n));
    for (let k = 0; k < n; k++) froms[k] = at - memos[k]!.windowMs;
    const out = this.batchOut;
    this.store.increases!(ref, froms, at, out);
    for (let k = 0; k < n; k++) memos[k]!.set(id, cycle, out[k]!);
    return memo.values[id]!;
  }
}
