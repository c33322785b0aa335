// Error budget burn-down: how much of an availability objective's error budget is left after each
// step, counting every request and failure from the start of the range (the first traffic of the SLA
// window). At the last step this is the status's `errorBudgetRemaining` over the same requests.
import type { Point } from '../api/signals-query';

/**
 * Remaining budget after each step, from `request_rate` (requests/s) and `error_ratio` points of the
 * same steps; steps before the first request are left out (nothing was spent or allowed yet).
 */
export function burnDown(
  rate: readonly Point[],
  errorRatio: readonly Point[],
  stepMs: number,
  target: number,
): Point[] {
  const budget = 1 - target;
  if (!(budget > 0)) return [];
  const ratioAt = new Map(errorRatio.map(([t, v]) => [t, v]));
  let total = 0;
  let failed = 0;
  const out: Point[] = [];
  for (const [t, r] of rate) {
    const requests = (r ?? 0) * (stepMs / 1000);
    total += requests;
    failed += requests * (ratioAt.get(t) ?? 0);
    if (total > 0) out.push([t, 1 - failed / total / budget]);
  }
  return out;
}

/** The first step with traffic (its start), to begin the burn-down there rather than at an empty window. */
export function firstTraffic(rate: readonly Point[], stepMs: number): number | undefined {
  const first = rate.find(([, v]) => v !== null && v > 0);
  return first === undefined ? undefined : first[0] - stepMs;
}
