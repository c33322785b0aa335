// While the event stream is down the page keeps what it has and says how old it is (stale but
// available), and says so again once live updates are back. Likewise while the server's data source
// (Prometheus, with `slactl serve --prometheus-url`) does not answer: the server keeps its last complete
// answer, and the page says whose and how old.
import { useLive } from '../lib/live';
import { formatAge, formatClock } from '../lib/format';
import { useNow } from '../lib/use-now';

export function StaleBanner() {
  const live = useLive();
  const now = useNow();
  if (live.connection === 'signed_out') {
    return (
      <div className="banner banner-critical" role="alert">
        <strong>Signed out.</strong> Live updates stopped: this browser's session ended (its token was revoked
        or expired). <a href={window.location.pathname}>Sign in again</a>
      </div>
    );
  }
  if (live.connection !== 'down') return null;
  const since = live.downSinceMs ?? now;
  return (
    <div className="banner banner-warning" role="alert" data-testid="stale-banner">
      <strong>Data is stale.</strong> The live stream from the server has been down for{' '}
      {formatAge(since, now)} (since {formatClock(since)}); reconnecting.{' '}
      {live.lastEventMs !== undefined
        ? `What you see is as of ${formatClock(live.lastEventMs)}.`
        : 'Nothing has been received yet.'}
    </div>
  );
}

/**
 * Shown while the server's external data source fails. The embedded evaluator is never "down" in this
 * sense: before its first evaluation the SLA cards say "no data" themselves.
 */
export function DataSourceBanner() {
  const { dataSource } = useLive();
  const now = useNow();
  if (dataSource === undefined || dataSource.healthy || dataSource.kind === 'embedded') return null;
  const lastSuccess = dataSource.lastSuccessAt === null ? undefined : Date.parse(dataSource.lastSuccessAt);
  const where = dataSource.url === undefined ? 'Prometheus' : `Prometheus at ${dataSource.url}`;
  return (
    <div className="banner banner-warning" role="alert" data-testid="data-source-banner">
      <strong>{where} is not answering.</strong>{' '}
      {lastSuccess === undefined || Number.isNaN(lastSuccess)
        ? 'No complete answer has come yet, so statuses and alerts are unknown.'
        : `Statuses and alerts are its last complete answer, of ${formatClock(lastSuccess)} (${formatAge(lastSuccess, now)} ago); charts are unavailable until it answers again.`}{' '}
      If Prometheus itself is down, it evaluates no alert rules either: no new alert can fire meanwhile.
      {dataSource.error !== undefined ? <span className="banner-detail"> {dataSource.error}</span> : null}
    </div>
  );
}

/** The stream's state in the header: `● Live`, `Reconnecting…`, `Stale`. */
export function ConnectionIndicator() {
  const live = useLive();
  const label =
    live.connection === 'open'
      ? 'Live'
      : live.connection === 'connecting'
        ? 'Connecting…'
        : live.connection === 'down'
          ? 'Stale · reconnecting'
          : 'Signed out';
  return (
    <span
      className={`connection connection-${live.connection}`}
      role="status"
      data-connection={live.connection}
    >
      <span className="connection-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
