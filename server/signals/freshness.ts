// Feature freshness: measured from the pipeline's event time, so a stalled pipeline ages by the second.

/** Seconds since the newest event seen for a feature; 0 when the event time is in the future (clock skew). */
export function featureAgeSeconds(nowMs: number, newestEventMs: number): number {
  return Math.max(0, nowMs - newestEventMs) / 1000;
}
