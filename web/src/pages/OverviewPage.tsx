// Overview: the worst thing first. A one-line verdict, the active alerts (worst first, one click to
// the runbook), then every SLA with its four dimensions against their targets.
import { AlertTable } from '../components/AlertTable';
import { SlaCard } from '../components/SlaCard';
import { Empty, Loading } from '../components/States';
import { HealthBadge } from '../components/HealthIcon';
import { useLive } from '../lib/live';
import { useTitle } from '../lib/router';
import { useCoverages } from '../lib/use-runbooks';
import { compareSlas } from '../lib/severity';
import type { Health } from '../api/slas';

/** The one-line answer to "is anything wrong": breaching SLAs first, then what may become so. */
function verdict(slas: number, breaching: number, pending: number): string {
  if (slas === 0) return 'No SLAs are loaded.';
  if (breaching > 0) return `${breaching} of ${slas} SLAs ${breaching === 1 ? 'is' : 'are'} breaching.`;
  if (pending > 0) return `No SLA is breaching yet; ${pending === 1 ? 'an alert is' : 'alerts are'} pending.`;
  return `All ${slas} SLAs are within their targets.`;
}

export function OverviewPage() {
  useTitle('Overview');
  const live = useLive();
  const coverageOf = useCoverages();
  if (!live.ready) {
    if (live.connection === 'down')
      return (
        <div className="state state-error" role="alert">
          <p className="state-title">Cannot reach the control plane</p>
          <p>The event stream does not answer; retrying. Is slactl serve running?</p>
        </div>
      );
    if (live.connection === 'signed_out') return null;
    return <Loading what="SLA status" />;
  }
  const slas = [...live.statuses].sort(compareSlas);
  const firing = live.alerts.filter((a) => a.state === 'firing').length;
  const pending = live.alerts.length - firing;
  const breaching = slas.filter((s) => s.status === 'critical' || s.status === 'warning').length;
  const worst: Health = slas[0]?.status ?? 'ok';
  return (
    <div className="page overview">
      <h1 className="visually-hidden">Overview</h1>
      <section className="verdict" aria-label="Summary" data-testid="verdict">
        {slas.length === 0 ? (
          <HealthBadge health="no_data" />
        ) : worst === 'ok' && pending > 0 ? (
          <HealthBadge health="warning" label="At risk" />
        ) : (
          <HealthBadge health={worst} />
        )}
        <p>
          {verdict(slas.length, breaching, pending)} <strong>{firing}</strong> firing,{' '}
          <strong>{pending}</strong> pending.
        </p>
      </section>

      <section aria-labelledby="alerts-heading" className="section" data-live-alerts>
        <h2 id="alerts-heading">Active alerts</h2>
        {live.alerts.length === 0 ? (
          <Empty title="No active alerts">
            <p className="muted">Nothing is pending or firing. Alerts appear here the moment they start.</p>
          </Empty>
        ) : (
          <AlertTable alerts={live.alerts} />
        )}
      </section>

      <section aria-labelledby="slas-heading" className="section">
        <h2 id="slas-heading">SLAs</h2>
        {slas.length === 0 ? (
          <Empty title="No SLAs loaded">
            <p className="muted">
              Add SLA files to <code>slas/</code> (see docs/sla-spec.md) and restart <code>slactl serve</code>
              .
            </p>
          </Empty>
        ) : (
          <div className="sla-list">
            {slas.map((s) => (
              <SlaCard key={s.name} status={s} coverage={coverageOf(s.name)} />
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
