// Which sample times ingest accepts: not too far ahead of the server clock (a skewed client would
// write the future), not older than the store keeps.
import { formatDuration } from '../lib/units.js';

/** Time bounds of one batch. */
export interface TimeBounds {
  now: number;
  maxFutureMs: number;
  retentionMs: number;
}

/** Why a sample time is out of bounds, or undefined when it is fine. */
export function timeProblem(t: number, bounds: TimeBounds): string | undefined {
  if (t > bounds.now + bounds.maxFutureMs) {
    return `${new Date(t).toISOString()} is more than ${formatDuration(bounds.maxFutureMs)} ahead of the server clock (${new Date(bounds.now).toISOString()})`;
  }
  if (t < bounds.now - bounds.retentionMs) {
    // 1e11 ms is 1973: a recent time in seconds instead of milliseconds lands there.
    const hint = t > 0 && t < 1e11 ? '; ts is in milliseconds since the epoch, this looks like seconds' : '';
    return `${new Date(t).toISOString()} is older than the retention of ${formatDuration(bounds.retentionMs)}${hint}`;
  }
  return undefined;
}
