// One alert, at the deep link /alerts/:fingerprint (the fingerprint names it across restarts): what it
// says, its labels, since when, its value, its runbook and decision-tree node, and the transitions this
// page has seen. A resolved alert says when it resolved.
import { HealthBadge } from '../components/HealthIcon';
import { Empty, Loading } from '../components/States';
import { alertSubject, formatAlertValue, runbookHref, slaPath } from '../lib/alerts';
import { formatAge, formatClock } from '../lib/format';
import { useLive } from '../lib/live';
import { incidentPath } from '../lib/paths';
import { Link, useTitle } from '../lib/router';
import { alertHealth } from '../lib/severity';
import { useNow } from '../lib/use-now';

export function AlertPage({ fingerprint }: { fingerprint: string }) {
  const live = useLive();
  const now = useNow();
  const alert = live.alerts.find((a) => a.fingerprint === fingerprint);
  const seen = live.history.filter((t) => t.fingerprint === fingerprint);
  const last = seen[seen.length - 1];
  useTitle(alert?.alertname ?? last?.alertname ?? 'Alert');
  if (!live.ready) return <Loading what="the alert" />;
  if (alert === undefined) {
    return (
      <div className="page">
        <p className="crumbs">
          <Link to="/">Overview</Link> / alert {fingerprint}
        </p>
        {last !== undefined ? (
          <Empty title={`${last.alertname} is no longer active`}>
            <p>
              It {last.to === 'resolved' ? 'resolved' : 'ended before firing'} at {formatClock(last.at)} (
              {formatAge(last.at, now)} ago) on <Link to={slaPath(last.sla)}>{last.sla}</Link>.
            </p>
          </Empty>
        ) : (
          <Empty title="This alert is not active">
            <p>
              No pending or firing alert has the fingerprint <code>{fingerprint}</code>. It may have resolved
              before this page was opened; the <Link to="/">overview</Link> lists what is active now.
            </p>
          </Empty>
        )}
      </div>
    );
  }
  const runbook = runbookHref(alert.annotations, window.location.origin);
  const subject = alertSubject(alert.labels);
  const { summary, description, decision_node: node } = alert.annotations;
  const shown = new Set(['summary', 'description', 'decision_node', 'runbook_url']);
  const otherAnnotations = Object.fromEntries(
    Object.entries(alert.annotations).filter(([k]) => !shown.has(k)),
  );
  return (
    <div className="page alert-page" data-fingerprint={alert.fingerprint} data-state={alert.state}>
      <p className="crumbs">
        <Link to="/">Overview</Link> / <Link to={slaPath(alert.sla)}>{alert.sla}</Link> / alert
      </p>
      <header className="page-head">
        <HealthBadge
          health={alertHealth(alert)}
          label={`${alert.state === 'firing' ? 'Firing' : 'Pending'} · ${alert.labels.severity ?? 'no severity'}`}
        />
        <h1>{alert.alertname}</h1>
        {subject !== '' ? <span className="muted">{subject}</span> : null}
      </header>
      {summary !== undefined ? <p className="lead">{summary}</p> : null}
      {description !== undefined ? <p>{description}</p> : null}
      <dl className="facts">
        <div>
          <dt>Value</dt>
          <dd>{formatAlertValue(alert)}</dd>
        </div>
        <div>
          <dt>Active since</dt>
          <dd>
            {formatClock(alert.activeAt)} ({formatAge(alert.activeAt, now)})
          </dd>
        </div>
        {alert.firedAt !== undefined ? (
          <div>
            <dt>Firing since</dt>
            <dd>
              {formatClock(alert.firedAt)} ({formatAge(alert.firedAt, now)})
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Runbook</dt>
          <dd>
            {runbook === undefined ? (
              'none'
            ) : runbook.startsWith('/') ? (
              <Link to={runbook}>{runbook}</Link>
            ) : (
              <a href={runbook} rel="noreferrer noopener" target="_blank">
                {runbook} ↗
              </a>
            )}
          </dd>
        </div>
        <div>
          <dt>Decision-tree node</dt>
          <dd>
            {node !== undefined ? <code>{node}</code> : null}{' '}
            <Link to={incidentPath(alert.sla, node)}>Open the incident view</Link>
          </dd>
        </div>
      </dl>
      <h2>Labels</h2>
      <table className="table kv">
        <tbody>
          {Object.entries(alert.labels).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>
                <code>{v}</code>
              </td>
            </tr>
          ))}
          {Object.entries(otherAnnotations).map(([k, v]) => (
            <tr key={`a-${k}`}>
              <th scope="row">{k} (annotation)</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {seen.length > 0 ? (
        <>
          <h2>Seen on this page</h2>
          <ol className="timeline">
            {seen.map((t) => (
              <li key={`${t.at}-${t.to}`}>
                {formatClock(t.at)}: {t.from} → {t.to}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  );
}
