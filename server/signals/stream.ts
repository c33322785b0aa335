// Stream consumer health: how long a consumer group needs to drain its lag, and whether it is stuck.

function assertRate(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

/**
 * Seconds to drain `lag` messages at the net rate consumeRate − produceRate (messages/s): 0 without
 * lag, `Infinity` when the group consumes no faster than messages arrive.
 */
export function catchUpSeconds(lag: number, consumeRate: number, produceRate: number): number {
  assertRate(lag, 'lag');
  assertRate(consumeRate, 'consumeRate');
  assertRate(produceRate, 'produceRate');
  if (lag === 0) return 0;
  const drainRate = consumeRate - produceRate;
  return drainRate > 0 ? lag / drainRate : Infinity;
}

/** True when the group has lag and consumes nothing at all (the `StreamStalled` condition). */
export function isStalled(lag: number, consumeRate: number): boolean {
  return lag > 0 && consumeRate === 0;
}
