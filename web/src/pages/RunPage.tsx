// One remediation run at /runs/:id: its state kept current by the `run` events, the step timeline
// (transitions and attempts), exactly what it sends, and Approve / Reject / Cancel where they apply.
import { useState } from 'react';
import { ApiRequestError } from '../api/http';
import { decideRun, fetchRun, FINAL_STATES } from '../api/runs';
import { RequestBlock } from '../components/RequestBlock';
import { RunStateBadge } from '../components/RunState';
import { Empty, ErrorState, Loading } from '../components/States';
import { alertPath } from '../lib/alerts';
import { formatClock } from '../lib/format';
import { useLive } from '../lib/live';
import { auditPath, runbookPath } from '../lib/paths';
import { Link, useTitle } from '../lib/router';
import { useAsync } from '../lib/use-async';

const clock = (iso: string | null) => (iso === null ? '—' : formatClock(Date.parse(iso)));

export function RunPage({ id }: { id: string }) {
  useTitle(`Run ${id}`);
  const live = useLive();
  const pushed = live.runs.find((r) => r.id === id);
  // Each pushed transition re-reads the detail (attempts, output): the page follows the run live.
  const detail = useAsync(`run:${id}:${pushed?.updatedAt ?? ''}:${pushed?.state ?? ''}`, (signal) =>
    fetchRun(id, signal),
  );
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | undefined>(undefined);

  const crumbs = (
    <p className="crumbs">
      <Link to="/">Overview</Link> / <Link to="/runs">Runs</Link> / {id}
    </p>
  );
  if (detail.state === 'error' && detail.data === undefined) {
    return (
      <div className="page">
        {crumbs}
        {detail.error instanceof ApiRequestError && detail.error.status === 404 ? (
          <Empty title={`No run ${id}`}>
            <p>
              The <Link to="/runs">runs list</Link> shows every run this server knows.
            </p>
          </Empty>
        ) : (
          <ErrorState error={detail.error} what={`run ${id}`} onRetry={detail.reload} />
        )}
      </div>
    );
  }
  if (detail.data === undefined) return <Loading what={`run ${id}`} />;
  const run = detail.data;
  // The stream may be ahead of the last read.
  const state = pushed !== undefined && pushed.updatedAt > run.updatedAt ? pushed.state : run.state;
  const decide = (decision: 'approve' | 'reject' | 'cancel') => {
    setBusy(true);
    setFailure(undefined);
    decideRun(id, decision, reason).then(
      () => {
        setBusy(false);
        setReason('');
        detail.reload();
      },
      (error: unknown) => {
        setBusy(false);
        setFailure(error as Error);
      },
    );
  };
  const final = FINAL_STATES.includes(state);
  return (
    <div className="page run-page" data-run={run.id} data-state={state}>
      {crumbs}
      <header className="page-head">
        <RunStateBadge state={state} />
        <h1>
          {run.runbook} / {run.action}
        </h1>
        <span className="muted small">
          {run.trigger === 'alert' ? 'started by an alert' : 'started by hand'} · {run.createdBy} ·{' '}
          {clock(run.createdAt)}
        </span>
      </header>
      <dl className="facts">
        <div>
          <dt>Runbook</dt>
          <dd>
            <Link to={runbookPath(run.runbook)}>{run.runbook}</Link>
          </dd>
        </div>
        <div>
          <dt>Alert</dt>
          <dd>
            {run.alert.alertname !== null ? (
              <Link to={alertPath(run.alert.fingerprint)}>{run.alert.alertname}</Link>
            ) : (
              <code>{run.alert.fingerprint}</code>
            )}
          </dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{run.attemptCount}</dd>
        </div>
        {run.verifyDeadline !== null ? (
          <div>
            <dt>Verify by</dt>
            <dd>{clock(run.verifyDeadline)}</dd>
          </div>
        ) : null}
        {run.decidedBy !== null ? (
          <div>
            <dt>Decided by</dt>
            <dd>
              {run.decidedBy} at {clock(run.decidedAt)}
            </dd>
          </div>
        ) : null}
        {run.reason !== null ? (
          <div>
            <dt>Reason</dt>
            <dd>{run.reason}</dd>
          </div>
        ) : null}
        <div>
          <dt>Audit</dt>
          <dd>
            <Link to={auditPath(run.id)}>entries about this run</Link>
          </dd>
        </div>
      </dl>

      {!final ? (
        <section className="section decide" aria-labelledby="decide-heading">
          <h2 id="decide-heading">{state === 'awaiting_approval' ? 'Waiting for approval' : 'Stop it'}</h2>
          <label className="label-input">
            Reason (optional){' '}
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </label>
          <div className="actions-row">
            {state === 'awaiting_approval' ? (
              <>
                <button
                  type="button"
                  className="button button-primary"
                  disabled={busy}
                  onClick={() => decide('approve')}
                >
                  Approve
                </button>
                <button type="button" className="button" disabled={busy} onClick={() => decide('reject')}>
                  Reject
                </button>
              </>
            ) : null}
            <button type="button" className="button" disabled={busy} onClick={() => decide('cancel')}>
              Cancel run
            </button>
          </div>
          {failure !== undefined ? (
            <p className="state-error small" role="alert">
              {failure.message}
            </p>
          ) : null}
        </section>
      ) : null}

      <section className="section" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline run-timeline" data-testid="run-timeline">
          {run.transitions.map((t) => (
            <li key={`${t.at}-${t.to}`} data-to={t.to}>
              <span className="num">{clock(t.at)}</span> <RunStateBadge state={t.to} />{' '}
              <span className="muted small">
                {t.actor}
                {t.reason !== null ? `: ${t.reason}` : ''}
              </span>
            </li>
          ))}
        </ol>
        {run.attempts.length > 0 ? (
          <div className="table-wrap">
            <table className="table small">
              <caption>Attempts</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Started</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  <th scope="col">Error / output</th>
                </tr>
              </thead>
              <tbody>
                {run.attempts.map((a) => (
                  <tr key={a.attempt} data-outcome={a.outcome}>
                    <td>{a.attempt}</td>
                    <td>{clock(a.startedAt)}</td>
                    <td>{a.outcome ?? 'in flight'}</td>
                    <td>{a.status ?? a.exitCode ?? '—'}</td>
                    <td className="num">{a.durationMs === null ? '—' : `${a.durationMs} ms`}</td>
                    <td>
                      <code className="small">{a.error ?? a.output ?? ''}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section className="section" aria-labelledby="request-heading">
        <h2 id="request-heading">What it sends</h2>
        {run.request === null ? (
          <p className="muted">Nothing: the run was refused before a call.</p>
        ) : (
          <RequestBlock request={run.request} />
        )}
      </section>
    </div>
  );
}
