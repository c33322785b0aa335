// When alerts were pending or firing, for shading charts: from the active alerts (which know since when)
// and the transitions seen since the page loaded (which know when ended ones began and ended).
import type { AlertInstance, Transition } from '../api/events';

export interface AlertPeriod {
  fingerprint: string;
  alertname: string;
  state: 'pending' | 'firing';
  fromMs: number;
  /** The end, or `nowMs` while it lasts. */
  toMs: number;
  ongoing: boolean;
}

/** Pending and firing periods of the alerts that `match` keeps, clipped to [fromMs, nowMs]. */
export function alertPeriods(
  alerts: readonly AlertInstance[],
  history: readonly Transition[],
  nowMs: number,
  fromMs: number,
  match: (labels: Record<string, string>, alertname: string) => boolean,
): AlertPeriod[] {
  const periods: AlertPeriod[] = [];
  const open = new Map<string, { state: 'pending' | 'firing'; fromMs: number; alertname: string }>();
  const close = (fingerprint: string, atMs: number) => {
    const o = open.get(fingerprint);
    if (o === undefined) return;
    periods.push({
      fingerprint,
      alertname: o.alertname,
      state: o.state,
      fromMs: o.fromMs,
      toMs: atMs,
      ongoing: false,
    });
    open.delete(fingerprint);
  };
  for (const t of [...history].sort((a, b) => a.at - b.at)) {
    if (!match(t.labels, t.alertname)) continue;
    close(t.fingerprint, t.at);
    if (t.to === 'pending' || t.to === 'firing')
      open.set(t.fingerprint, { state: t.to, fromMs: t.at, alertname: t.alertname });
  }
  for (const alert of alerts) {
    if (!match(alert.labels, alert.alertname)) continue;
    const seen = open.get(alert.fingerprint);
    open.delete(alert.fingerprint);
    const pendingFrom = Math.min(alert.activeAt, seen?.fromMs ?? Infinity);
    if (alert.state === 'firing' && alert.firedAt !== undefined) {
      // Drop a pending period the history already closed at the firing transition, then add both parts.
      const already = periods.some((p) => p.fingerprint === alert.fingerprint && p.state === 'pending');
      if (!already && alert.activeAt < alert.firedAt)
        periods.push({
          fingerprint: alert.fingerprint,
          alertname: alert.alertname,
          state: 'pending',
          fromMs: alert.activeAt,
          toMs: alert.firedAt,
          ongoing: false,
        });
      periods.push({
        fingerprint: alert.fingerprint,
        alertname: alert.alertname,
        state: 'firing',
        fromMs: alert.firedAt,
        toMs: nowMs,
        ongoing: true,
      });
    } else {
      periods.push({
        fingerprint: alert.fingerprint,
        alertname: alert.alertname,
        state: alert.state,
        fromMs: pendingFrom,
        toMs: nowMs,
        ongoing: true,
      });
    }
  }
  // Anything the history left open that is no longer active ended at some point we did not see: drop it.
  return periods
    .filter((p) => p.toMs > fromMs)
    .map((p) => ({ ...p, fromMs: Math.max(p.fromMs, fromMs) }))
    .sort((a, b) => a.fromMs - b.fromMs);
}
