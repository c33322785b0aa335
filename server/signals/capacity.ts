// Vector index capacity and hygiene, from the seed's capacity-planning section.

function assertCount(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

/** Bytes per float32 vector component. */
const FLOAT32_BYTES = 4;
/** Bytes per HNSW neighbour link. */
const LINK_BYTES = 8;

/** Estimated HNSW index memory in bytes: vectors × (dimensions × 4 + m × 8), float32 vectors plus links. */
export function indexMemoryBytes(vectors: number, dimensions: number, m: number): number {
  assertCount(vectors, 'vectors');
  assertCount(dimensions, 'dimensions');
  assertCount(m, 'm');
  return vectors * (dimensions * FLOAT32_BYTES + m * LINK_BYTES);
}

/** Share of the index that is tombstoned (deleted, not yet compacted); undefined for an empty index. */
export function tombstoneRatio(vectors: number, tombstones: number): number | undefined {
  assertCount(vectors, 'vectors');
  assertCount(tombstones, 'tombstones');
  if (vectors === 0) return undefined;
  return tombstones / vectors;
}
