// Active alerts, worst first: state and severity (icon and text), what fired and on what, its value,
// how long it has been active, and one click to its runbook.
import type { AlertInstance } from '../api/events';
import { alertPath, alertSubject, formatAlertValue, runbookHref, slaPath } from '../lib/alerts';
import { formatAge, formatClock } from '../lib/format';
import { Link } from '../lib/router';
import { alertHealth, compareAlerts } from '../lib/severity';
import { useNow } from '../lib/use-now';
import { HealthIcon } from './HealthIcon';

export function AlertTable({ alerts, showSla = true }: { alerts: AlertInstance[]; showSla?: boolean }) {
  const now = useNow();
  const sorted = [...alerts].sort(compareAlerts);
  return (
    <div className="table-wrap">
      <table className="table alerts-table">
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Alert</th>
            {showSla ? <th scope="col">SLA</th> : null}
            <th scope="col">Value</th>
            <th scope="col">Active for</th>
            <th scope="col">Runbook</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((alert) => {
            const health = alertHealth(alert);
            const runbook = runbookHref(alert.annotations, window.location.origin);
            const subject = alertSubject(alert.labels);
            const since =
              alert.state === 'firing' && alert.firedAt !== undefined ? alert.firedAt : alert.activeAt;
            return (
              <tr
                key={alert.fingerprint}
                data-fingerprint={alert.fingerprint}
                data-alertname={alert.alertname}
                data-state={alert.state}
                className={`alert-row alert-${alert.state}`}
              >
                <td>
                  <span className={`badge badge-${health}`}>
                    <HealthIcon health={health} />
                    <span>
                      {alert.state === 'firing' ? 'Firing' : 'Pending'} ·{' '}
                      {alert.labels.severity ?? 'no severity'}
                    </span>
                  </span>
                </td>
                <td>
                  <Link to={alertPath(alert.fingerprint)} className="alert-name">
                    {alert.alertname}
                  </Link>
                  {subject !== '' ? <div className="muted small">{subject}</div> : null}
                </td>
                {showSla ? (
                  <td>
                    <Link to={slaPath(alert.sla)}>{alert.sla}</Link>
                  </td>
                ) : null}
                <td className="num">{formatAlertValue(alert)}</td>
                <td className="num" title={`${alert.state} since ${formatClock(since)}`}>
                  {formatAge(since, now)}
                </td>
                <td>
                  {runbook === undefined ? (
                    <span className="muted">none</span>
                  ) : runbook.startsWith('/') ? (
                    <Link to={runbook}>Runbook</Link>
                  ) : (
                    <a href={runbook} rel="noreferrer noopener" target="_blank">
                      Runbook ↗
                    </a>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
