// Bins of a reference distribution, shared by ingest (which bin an observation falls in) and the
// derived drift values (reference counts per bin), so both always bin the same way.
import { binCounts, quantileEdges } from '../signals/drift.js';
import type { ReferenceDistribution } from '../store/types.js';

/** Quantile bins of the reference (deciles, as in docs/metrics.md). */
export const DRIFT_BINS = 10;

/** A reference prepared for binning. */
export type ReferenceModel = { atMs: number; reference: ReferenceDistribution } & (
  | {
      kind: 'numeric';
      /** Interior cut points; bin i is (edges[i−1], edges[i]], the last is open above. */
      edges: number[];
      /** Reference values per bin. */
      counts: number[];
    }
  | { kind: 'categorical'; counts: Record<string, number> }
);

/** Prepares a stored reference for binning. */
export function referenceModel(reference: ReferenceDistribution, atMs: number): ReferenceModel {
  if (reference.kind === 'categorical')
    return { kind: 'categorical', atMs, reference, counts: reference.counts };
  const edges = quantileEdges(reference.values, DRIFT_BINS);
  return { kind: 'numeric', atMs, reference, edges, counts: binCounts(reference.values, edges) };
}

/** True when two references hold the same distribution. */
export function sameReference(a: ReferenceDistribution, b: ReferenceDistribution): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Lookup {
  getReference(
    service: string,
    feature: string,
  ): { reference: ReferenceDistribution; atMs: number } | undefined;
}

/**
 * Caches reference models per feature. Reading a stored reference parses up to 10,000 values and
 * binning sorts them; both happen again only when the reference's time changes.
 */
export class ReferenceCache {
  private readonly models = new Map<string, ReferenceModel>();

  constructor(private readonly store: Lookup) {}

  /**
   * The model of a feature's reference. With `atMs` (from `listReferences`), a cached model of another
   * time is replaced; without it, a cached model is trusted (the collector, which writes every
   * reference, remembers each one it stores).
   */
  get(service: string, feature: string, atMs?: number): ReferenceModel | undefined {
    const key = `${service}\u0000${feature}`;
    const cached = this.models.get(key);
    if (cached !== undefined && (atMs === undefined || cached.atMs === atMs)) return cached;
    const stored = this.store.getReference(service, feature);
    if (stored === undefined) {
      this.models.delete(key);
      return undefined;
    }
    const model = referenceModel(stored.reference, stored.atMs);
    this.models.set(key, model);
    return model;
  }

  /** Forgets every model (they are read from the store again). */
  clear(): void {
    this.models.clear();
  }

  /** Remembers the model of a reference just stored. */
  remember(service: string, feature: string, model: ReferenceModel): void {
    this.models.set(`${service}\u0000${feature}`, model);
  }
}
