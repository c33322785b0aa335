// The in-memory catalogue of series: by identity (name + canonical labels), by id, by name, by
// (name, service) and a count per service, so lookups cost O(matching series), never a scan of all.
import type { SeriesMirror } from './series-mirror.js';
import type { Labels } from './types.js';

/** Labels as canonical JSON: keys sorted, so equal label sets give equal text (the SQL identity). */
export function canonicalLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  // No prototype: a label named __proto__ stays a label.
  const sorted = Object.create(null) as Record<string, string>;
  for (const key of keys) sorted[key] = labels[key]!;
  return JSON.stringify(sorted);
}

/** Identity of a series: its name and canonical labels. */
export function seriesKey(name: string, labelsJson: string): string {
  return `${name}\u0000${labelsJson}`;
}

function nameServiceKey(name: string, service: string): string {
  return `${name}\u0000${service}`;
}

/** Identity as the caller wrote it (label order as given): cheaper than sorting, so tried first. */
export function aliasKey(name: string, labels: Labels): string {
  return `${name}\u0000${JSON.stringify(labels)}`;
}

/** Every stored series' mirror, findable by identity, id, name, (name, service) and service. */
export class SeriesIndex {
  private readonly byKey = new Map<string, SeriesMirror>();
  /** aliasKey → series, for label orders already seen; cleared when it outgrows the series. */
  private readonly byAlias = new Map<string, SeriesMirror>();
  /** Frozen label objects → series by name (a label set is shared by a histogram's count and sum). */
  private readonly byLabelsObject = new WeakMap<Labels, Map<string, SeriesMirror>>();
  private readonly byId = new Map<number, SeriesMirror>();
  private readonly byName = new Map<string, SeriesMirror[]>();
  private readonly byNameService = new Map<string, SeriesMirror[]>();
  private readonly perService = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  /** Every series, in the order added. */
  all(): IterableIterator<SeriesMirror> {
    return this.byId.values();
  }

  add(mirror: SeriesMirror): void {
    const { id, name, labels } = mirror.ref;
    this.byKey.set(mirror.key, mirror);
    this.byId.set(id, mirror);
    push(this.byName, name, mirror);
    const service = labels.service;
    if (service !== undefined) {
      push(this.byNameService, nameServiceKey(name, service), mirror);
      this.perService.set(service, (this.perService.get(service) ?? 0) + 1);
    }
  }

  get(key: string): SeriesMirror | undefined {
    return this.byKey.get(key);
  }

  /**
   * The stored series with this name and labels in any order. A frozen label set is looked up by
   * identity first (the collector reuses one frozen object per series), then by alias (the labels as
   * written), then by canonical identity. Remembers how it found a series: lookup caches that add no
   * series, so a batch that fails later leaves no trace.
   */
  find(name: string, labels: Labels): SeriesMirror | undefined {
    // A frozen object never changes, so its identity stands for its labels.
    const frozen = Object.isFrozen(labels);
    if (frozen) {
      const mirror = this.byLabelsObject.get(labels)?.get(name);
      if (mirror !== undefined) return mirror;
    }
    const alias = aliasKey(name, labels);
    let mirror = this.byAlias.get(alias);
    if (mirror === undefined) {
      mirror = this.byKey.get(seriesKey(name, canonicalLabels(labels)));
      if (mirror === undefined) return undefined;
      // Label orders are few per series; anything beyond that is not worth remembering.
      if (this.byAlias.size >= 4 * this.byKey.size + 1_024) this.byAlias.clear();
      this.byAlias.set(alias, mirror);
    }
    if (frozen) {
      let byName = this.byLabelsObject.get(labels);
      if (byName === undefined) {
        byName = new Map();
        this.byLabelsObject.set(labels, byName);
      }
      byName.set(name, mirror);
    }
    return mirror;
  }

  byRefId(id: number): SeriesMirror | undefined {
    return this.byId.get(id);
  }

  /** Series named `name` whose labels include every pair of `match`. */
  select(name: string, match: Labels = {}): SeriesMirror[] {
    const service = match.service;
    const candidates =
      (service === undefined
        ? this.byName.get(name)
        : this.byNameService.get(nameServiceKey(name, service))) ?? [];
    const pairs = Object.entries(match);
    if (pairs.length === 0) return [...candidates];
    return candidates.filter((m) => pairs.every(([label, value]) => m.ref.labels[label] === value));
  }

  /** Number of series labelled `service="<service>"`. */
  countService(service: string): number {
    return this.perService.get(service) ?? 0;
  }
}

function push<K>(map: Map<K, SeriesMirror[]>, key: K, mirror: SeriesMirror): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [mirror]);
  else list.push(mirror);
}
