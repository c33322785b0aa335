// While the event stream is down the page keeps what it has and says how old it is (stale but
// available), and says so again once live updates are back.
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
