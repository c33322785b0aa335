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

  constructor(
    readonly service: string,
    readonly name: string,
    readonly match: Labels,
  ) {}
}

/**
 * Increases of one window by series id. Ids are small integers, so typed arrays stamped with the cycle
 * replace a map that would be rebuilt (and collected) every cycle.
 */
class IncreaseMemo {
  values = new Float64Array(1024);
  cycles = new Int32Array(1024);

  cycleOf(id: number): number {
    return this.cycles[id] ?? -1;
  }

  set(id: number, cycle: number, value: number): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_MEMO_ID) return;
    if (id >= this.values.length) {
      const size = Math.min(MAX_MEMO_ID + 1, Math.max(id + 1, this.values.length * 2));
      const values = new Float64Array(size);
      const cycles = new Int32Array(size);
      values.set(this.values);
      cycles.set(this.cycles);
      this.values = values;
      this.cycles = cycles;
    }
    this.values[id] = value;
    this.cycles[id] = cycle;
  }
}

/** Series ids above this are not memoized (12 bytes a series a window): their increases are recomputed. */
const MAX_MEMO_ID = 16_000_000;

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

/** Cached series selections and per-cycle increases over one store. */
export class SeriesCache {
  private readonly services = new Map<string, ServiceState>();
  private readonly selections = new Map<string, Selection>();
  /** windowMs → increase over (at − windowMs, at] by series id, valid where stamped with the cycle. */
  private readonly increases = new Map<number, IncreaseMemo>();
  private at = 0;
  /** Starts above 0, the stamp of memo slots never written. */
  private cycle = 1;

  constructor(private readonly store: SeriesStore) {}

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
    const generation = this.generation(selection.service);
    if (selection.generation !== generation) {
      selection.refs = this.store.select(selection.name, selection.match);
      selection.generation = generation;
      selection.derived = undefined;
    }
    return selection.refs;
  }

  /** Increase of a counter over (at − windowMs, at]. */
  increase(ref: SeriesRef, windowMs: number): number {
    let memo = this.increases.get(windowMs);
    if (memo === undefined) {
      memo = new IncreaseMemo();
      this.increases.set(windowMs, memo);
    }
    const id = ref.id;
    if (memo.cycleOf(id) === this.cycle) return memo.values[id]!;
    const value = this.store.increase(ref, this.at - windowMs, this.at);
    memo.set(id, this.cycle, value);
    return value;
  }

  /** `sum(increase(…))` of a selection; undefined when it selects no series (an empty vector). */
  sumIncrease(selection: Selection, windowMs: number): number | undefined {
    const refs = this.refs(selection);
    if (refs.length === 0) return undefined;
    let sum = 0;
    for (const ref of refs) sum += this.increase(ref, windowMs);
    return sum;
  }
}
