// Recall@k for one probe: how many of the exact top-k neighbours the approximate search also returned.

/** A vector id as the ANN and exact searches report it; `1` and `"1"` are different ids. */
export type VectorId = string | number;

/**
 * Scores one recall probe: hits = |retrieved[:k] ∩ exact[:k]| with duplicates counted once,
 * expected = k, recall = hits / k. Throws when k is not a positive integer.
 */
export function recallAtK(
  retrieved: readonly VectorId[],
  exact: readonly VectorId[],
  k: number,
): { hits: number; expected: number; recall: number } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const truth = new Set(exact.slice(0, k));
  let hits = 0;
  for (const id of new Set(retrieved.slice(0, k))) {
    if (truth.has(id)) hits++;
  }
  // Expected is k even when exact search returned fewer ids: the counters sum k per probe, and a short
  // result list is itself a recall problem.
  return { hits, expected: k, recall: hits / k };
}
