// The demo panel (only while `slactl serve` runs the demo): inject a fault into one SLA's simulated
// service, watch its alerts appear below, and clear it again.
import { useState } from 'react';
import { clearFaults, fetchFaults, injectFault, type Fault } from '../api/demo-faults';
import { ApiRequestError } from '../api/http';
import { AlertTable } from '../components/AlertTable';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatAge, formatClock } from '../lib/format';
import { useLive } from '../lib/live';
import { useTitle } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { useNow } from '../lib/use-now';

type Outcome = { kind: 'ok' | 'error'; text: string };

export function DemoPage() {
  useTitle('Demo faults');
  const faults = useAsync('faults', (signal) => fetchFaults(signal), 5000);
  const live = useLive();
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();

  const act = async (run: () => Promise<string>) => {
    setBusy(true);
    try {
      setOutcome({ kind: 'ok', text: await run() });
    } catch (error) {
      const text =
        error instanceof ApiRequestError ? `${error.message} (${error.code})` : (error as Error).message;
      setOutcome({ kind: 'error', text });
    } finally {
      setBusy(false);
      faults.reload();
    }
  };
  const inject = (kind: string, sla: string) =>
    act(async () => {
      const fault = await injectFault(kind, sla);
      return `Injected ${fault.kind} on ${fault.sla}: ${fault.description}. Expect ${fault.expectedAlerts.join(' and ')}.`;
    });
  const clear = (filter: { kind?: string; sla?: string }) =>
    act(async () => {
      const cleared = await clearFaults(filter);
      return cleared.length === 0
        ? 'Nothing to clear.'
        : `Cleared ${cleared.map((f) => `${f.kind} on ${f.sla}`).join(', ')}. Alerts resolve once their windows no longer see the fault.`;
    });

  if (faults.data === undefined) {
    if (faults.state === 'error') {
      if (faults.error instanceof ApiRequestError && faults.error.status === 404)
        return (
          <Empty title="The demo is not running">
            <p>Start the server with the demo (the default of slactl serve) to inject faults.</p>
          </Empty>
        );
      return <ErrorState error={faults.error} what="the demo's faults" onRetry={faults.reload} />;
    }
    return <Loading what="the demo's faults" />;
  }
  const active: Fault[] = faults.data.faults;
  const affected = new Set(active.map((f) => f.sla));
  return (
    <div className="page demo-page">
      <header className="page-head">
        <h1>Demo faults</h1>
        <span className="muted">The simulator misbehaves the way real systems do, so alerts fire.</span>
      </header>
      <p className={`outcome outcome-${outcome?.kind ?? 'none'}`} role="status" aria-live="polite">
        {outcome?.text ?? ''}
      </p>

      <section className="section" aria-labelledby="active-faults">
        <h2 id="active-faults">Active faults</h2>
        {active.length === 0 ? (
          <Empty title="No faults injected">
            <p className="muted">Every simulated service is healthy.</p>
          </Empty>
        ) : (
          <>
            <ul className="fault-list">
              {active.map((f) => (
                <li key={`${f.kind}-${f.sla}`} data-fault={f.kind} data-sla={f.sla}>
                  <strong>{f.kind}</strong> on <strong>{f.sla}</strong> since {formatClock(f.since)} (
                  {formatAge(f.since, now)}) — {f.description}. Expect {f.expectedAlerts.join(', ')}.{' '}
                  <button
                    type="button"
                    className="button"
                    disabled={busy}
                    onClick={() => void clear({ kind: f.kind, sla: f.sla })}
                  >
                    Clear <span className="visually-hidden">{`${f.kind} on ${f.sla}`}</span>
                  </button>
                </li>
              ))}
            </ul>
            <button type="button" className="button" disabled={busy} onClick={() => void clear({})}>
              Clear all faults
            </button>
          </>
        )}
      </section>

      {affected.size > 0 ? (
        <section className="section" aria-labelledby="demo-alerts">
          <h2 id="demo-alerts">Alerts of the affected SLAs</h2>
          {live.alerts.some((a) => affected.has(a.sla)) ? (
            <AlertTable alerts={live.alerts.filter((a) => affected.has(a.sla))} />
          ) : (
            <p className="muted">
              None yet: rules wait for their windows (about a minute for recall) before they go pending.
            </p>
          )}
        </section>
      ) : null}

      <section className="section" aria-labelledby="fault-kinds">
        <h2 id="fault-kinds">Inject a fault</h2>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Fault</th>
                <th scope="col">What it does</th>
                <th scope="col">Inject on</th>
              </tr>
            </thead>
            <tbody>
              {faults.data.kinds.map((k) => (
                <tr key={k.kind}>
                  <th scope="row">
                    <code>{k.kind}</code>
                  </th>
                  <td>{k.description}</td>
                  <td>
                    <div className="buttons">
                      {k.appliesTo.map((sla) => {
                        const on = active.some((f) => f.kind === k.kind && f.sla === sla);
                        return (
                          <button
                            key={sla}
                            type="button"
                            className="button button-small"
                            disabled={busy || on}
                            aria-label={`Inject ${k.kind} on ${sla}`}
                            onClick={() => void inject(k.kind, sla)}
                          >
                            {sla}
                            {on ? ' (active)' : ''}
                          </button>
                        );
                      })}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
