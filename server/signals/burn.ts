// Error-budget arithmetic shared by the evaluator and the status API; the compiled rules compute the same.

function assertBudget(errorBudget: number): void {
  if (!Number.isFinite(errorBudget) || errorBudget <= 0 || errorBudget > 1) {
    throw new RangeError(`errorBudget must be in (0, 1] (1 − target), got ${errorBudget}`);
  }
}

/**
 * How fast the budget burns: errorRatio / errorBudget, where 1 spends exactly the budget over the SLA
 * window. A NaN ratio (no traffic) gives NaN.
 */
export function burnRate(errorRatio: number, errorBudget: number): number {
  assertBudget(errorBudget);
  return errorRatio / errorBudget;
}

/**
 * Share of the error budget left over the SLA window: 1 − ratio / budget, negative when overspent.
 * A NaN ratio (no traffic) gives NaN.
 */
export function budgetRemaining(errorRatioOverWindow: number, errorBudget: number): number {
  assertBudget(errorBudget);
  return 1 - errorRatioOverWindow / errorBudget;
}
