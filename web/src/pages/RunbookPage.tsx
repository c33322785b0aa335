// A runbook at /runbooks/:id (?alert=<fingerprint> picks the alert whose labels fill the actions): its
// Markdown rendered and sanitised, each action with its policy (automatic or with approval, cooldown,
// run budget, breaker) and recent runs, and Dry-run / Run, both showing exactly what will be called
// before anything is. Loaded on demand with the Markdown renderer.
import { useMemo, useState } from 'react';
import type { AlertInstance } from '../api/events';
import { ApiRequestError } from '../api/http';
import { fetchRunbook, type RunbookActionView, type RunbookDetail } from '../api/runbooks';
import { dryRun, fetchRuns, triggerRun, type DryRun, type RunView } from '../api/runs';
import { Dialog } from '../components/Dialog';
import { RequestBlock } from '../components/RequestBlock';
import { RunStateBadge } from '../components/RunState';
import { Empty, ErrorState, Loading } from '../components/States';
import { alertSubject } from '../lib/alerts';
import { formatClock, formatWindow } from '../lib/format';
import { useLive } from '../lib/live';
import { renderMarkdown } from '../lib/markdown';
import { runPath } from '../lib/paths';
import { Link, navigate, useSearchParams, useTitle } from '../lib/router';
import { useAsync } from '../lib/use-async';

const BY_HAND = 'by-hand';

function Policy({ action }: { action: RunbookActionView }) {
  const s = action.status;
  return (
    <dl className="facts facts-compact" data-testid={`policy-${action.id}`}>
      <div>
        <dt>Starts</dt>
        <dd>
          {action.auto
            ? s?.automatic === false
              ? 'automatically when enabled (remediation.auto is off: a person runs it)'
              : 'automatically when its alert fires'
            : 'by hand'}
        </dd>
      </div>
      <div>
        <dt>Approval</dt>
        <dd>{action.approval === 'required' ? 'required before it runs' : 'not needed'}</dd>
      </div>
      <div>
        <dt>Cooldown</dt>
        <dd>{formatWindow(action.cooldownMs)} per alert object</dd>
      </div>
      <div>
        <dt>Budget</dt>
        <dd>
          {s !== null ? `${s.budget.used} of ` : ''}
          {action.maxRuns.count} runs per {formatWindow(action.maxRuns.windowMs)}
        </dd>
      </div>
      <div>
        <dt>Timeout, retries</dt>
        <dd>
          {formatWindow(action.timeoutMs)}, {action.retries.max} retr{action.retries.max === 1 ? 'y' : 'ies'}
        </dd>
      </div>
      <div>
        <dt>Verifies</dt>
        <dd>
          {action.verify !== undefined
            ? `${action.verify.alert} resolves within ${formatWindow(action.verify.withinMs)}`
            : 'no check'}
        </dd>
      </div>
      <div>
        <dt>Circuit breaker</dt>
        <dd>
          {s === null
            ? 'unknown'
            : s.breaker.open
              ? `open since ${s.breaker.openedAt ?? '?'}: automatic runs stop`
              : `closed (${s.breaker.consecutiveFailures} of ${s.breaker.threshold} failures)`}
        </dd>
      </div>
    </dl>
  );
}

function RecentRuns({ runs }: { runs: RunView[] }) {
  if (runs.length === 0) return <p className="muted small">No runs yet.</p>;
  return (
    <ul className="run-list small">
      {runs.map((r) => (
        <li key={r.id}>
          <RunStateBadge state={r.state} />{' '}
          <Link to={runPath(r.id)}>{formatClock(Date.parse(r.createdAt))}</Link>{' '}
          <span className="muted">
            {r.trigger} · {r.createdBy}
          </span>
        </li>
      ))}
    </ul>
  );
}

type DialogState =
  | {
      mode: 'dry-run' | 'confirm';
      action: RunbookActionView;
      labels: Record<string, string>;
      result?: DryRun;
      error?: Error;
      busy: boolean;
    }
  | undefined;

function ActionCard({
  runbook,
  action,
  labels,
  onOpen,
}: {
  runbook: RunbookDetail;
  action: RunbookActionView;
  labels: { values: Record<string, string>; from: string } | undefined;
  onOpen: (mode: 'dry-run' | 'confirm', action: RunbookActionView) => void;
}) {
  const live = useLive();
  const recent = useAsync(`runs:${runbook.id}:${action.id}`, (signal) =>
    fetchRuns({ runbook: runbook.id, action: action.id, limit: 5 }, signal),
  );
  // Runs changed since the page loaded come from the stream; the rest from the list.
  const runs = useMemo(() => {
    const fromStream = live.runs.filter((r) => r.runbook === runbook.id && r.action === action.id);
    const ids = new Set(fromStream.map((r) => r.id));
    return [...fromStream, ...(recent.data?.data ?? []).filter((r) => !ids.has(r.id))].slice(0, 5);
  }, [live.runs, recent.data, runbook.id, action.id]);
  const unavailable = action.status?.unavailable ?? null;
  return (
    <article className="action-card" data-action={action.id} aria-labelledby={`action-${action.id}`}>
      <header className="action-head">
        <h3 id={`action-${action.id}`}>{action.title}</h3>
        <span className={`badge ${action.auto ? 'badge-ok' : 'badge-no_data'}`}>
          {action.auto ? 'auto' : 'manual'}
        </span>
        {action.approval === 'required' ? <span className="badge badge-warning">approval</span> : null}
        <code className="small muted">{action.id}</code>
      </header>
      {action.description !== undefined ? <p>{action.description}</p> : null}
      {unavailable !== null ? (
        <p className="banner banner-warning small" role="note">
          Cannot run here: {unavailable}
        </p>
      ) : null}
      <Policy action={action} />
      <p className="small" data-testid={`labels-${action.id}`}>
        {labels === undefined ? (
          <span className="muted">Pick an alert or enter its labels first.</span>
        ) : (
          <>
            Labels from {labels.from}:{' '}
            <code>
              {Object.entries(labels.values)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </code>
          </>
        )}
      </p>
      <div className="actions-row">
        <button
          type="button"
          className="button"
          disabled={labels === undefined}
          onClick={() => onOpen('dry-run', action)}
          aria-label={`Dry-run ${action.id}`}
        >
          Dry-run
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={labels === undefined || unavailable !== null}
          onClick={() => onOpen('confirm', action)}
          aria-label={`Run ${action.id}`}
        >
          Run…
        </button>
        {labels === undefined ? (
          <span className="muted small">Pick an alert or enter its labels first.</span>
        ) : null}
      </div>
      <h4>Recent runs</h4>
      {recent.state === 'error' && recent.data === undefined ? (
        <p className="small" role="alert">
          Could not load its runs: {recent.error.message}
        </p>
      ) : recent.state === 'loading' && recent.data === undefined ? (
        <p className="muted small">Loading runs…</p>
      ) : (
        <RecentRuns runs={runs} />
      )}
    </article>
  );
}

function matches(alert: AlertInstance, runbook: RunbookDetail): boolean {
  return runbook.triggers.includes(alert.alertname);
}

export default function RunbookPage({ id }: { id: string }) {
  const runbook = useAsync(`runbook:${id}`, (signal) => fetchRunbook(id, signal));
  useTitle(runbook.data?.title ?? `Runbook ${id}`);
  const live = useLive();
  const params = useSearchParams();
  const [choice, setChoice] = useState<string | undefined>(params.get('alert') ?? undefined);
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [dialog, setDialog] = useState<DialogState>(undefined);
  const html = useMemo(
    () => (runbook.data === undefined ? '' : renderMarkdown(runbook.data.markdown)),
    [runbook.data],
  );

  if (runbook.state === 'error' && runbook.data === undefined) {
    return (
      <div className="page">
        <p className="crumbs">
          <Link to="/">Overview</Link> / runbook
        </p>
        {runbook.error instanceof ApiRequestError && runbook.error.status === 404 ? (
          <Empty title={`No runbook ${id}`}>
            <p>{runbook.error.message}</p>
          </Empty>
        ) : (
          <ErrorState error={runbook.error} what={`runbook ${id}`} onRetry={runbook.reload} />
        )}
      </div>
    );
  }
  if (runbook.data === undefined) return <Loading what={`runbook ${id}`} />;
  const rb = runbook.data;
  const paramLabels = [...new Set(rb.actions.flatMap((a) => Object.values(a.params).map((p) => p.label)))];
  // The alerts this runbook answers; those carrying the labels its actions need come first.
  const carried = (a: AlertInstance) => paramLabels.filter((l) => Object.hasOwn(a.labels, l)).length;
  const candidates = live.alerts.filter((a) => matches(a, rb)).sort((a, b) => carried(b) - carried(a));
  const picked =
    choice === BY_HAND ? undefined : (candidates.find((a) => a.fingerprint === choice) ?? candidates[0]);
  const handLabels = Object.fromEntries(paramLabels.map((l) => [l, typed[l] ?? '']));
  const byHand = paramLabels.every((l) => (typed[l] ?? '') !== '')
    ? { values: handLabels, from: 'the fields above' }
    : undefined;
  const answers = (action: RunbookActionView, a: AlertInstance) =>
    action.alerts === undefined || action.alerts.includes(a.alertname);
  /** The chosen alert's labels when the action answers it, else those of an active alert it answers. */
  const labelsFor = (action: RunbookActionView) => {
    if (choice === BY_HAND || candidates.length === 0) return byHand;
    const alert =
      picked !== undefined && answers(action, picked) ? picked : candidates.find((a) => answers(action, a));
    return alert === undefined
      ? byHand
      : { values: alert.labels, from: `${alert.alertname} (${alert.state})` };
  };

  const open = (mode: 'dry-run' | 'confirm', action: RunbookActionView) => {
    const labels = labelsFor(action)?.values;
    if (labels === undefined) return;
    setDialog({ mode, action, labels, busy: true });
    dryRun({ runbook: rb.id, action: action.id, labels }).then(
      (result) => setDialog((d) => (d?.action.id === action.id ? { ...d, result, busy: false } : d)),
      (error: unknown) =>
        setDialog((d) => (d?.action.id === action.id ? { ...d, error: error as Error, busy: false } : d)),
    );
  };
  const run = () => {
    if (dialog === undefined) return;
    const action = dialog.action;
    setDialog({ ...dialog, busy: true });
    triggerRun({ runbook: rb.id, action: action.id, labels: dialog.labels }).then(
      (created) => {
        setDialog(undefined);
        navigate(runPath(created.id));
      },
      (error: unknown) =>
        setDialog((d) => (d === undefined ? d : { ...d, error: error as Error, busy: false })),
    );
  };

  return (
    <div className="page runbook-page" data-runbook={rb.id}>
      <p className="crumbs">
        <Link to="/">Overview</Link> / runbook
      </p>
      <header className="page-head">
        <h1>{rb.title}</h1>
        <span className="muted small">
          <code>{rb.file}</code> · triggers: {rb.triggers.join(', ')}
        </span>
      </header>
      <div className="runbook-grid">
        <section className="section" aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          <fieldset className="alert-pick">
            <legend>Labels for the actions</legend>
            {candidates.length > 0 ? (
              <label>
                Alert{' '}
                <select
                  value={picked?.fingerprint ?? BY_HAND}
                  onChange={(e) => setChoice(e.target.value)}
                  data-testid="alert-select"
                >
                  {candidates.map((a) => (
                    <option key={a.fingerprint} value={a.fingerprint}>
                      {a.alertname} {a.state} · {a.sla} {alertSubject(a.labels)}
                    </option>
                  ))}
                  <option value={BY_HAND}>Enter labels by hand</option>
                </select>
              </label>
            ) : (
              <p className="muted small">No alert of this runbook is active: enter the labels by hand.</p>
            )}
            {picked === undefined
              ? paramLabels.map((l) => (
                  <label key={l} className="label-input">
                    {l}{' '}
                    <input
                      value={typed[l] ?? ''}
                      onChange={(e) => setTyped((t) => ({ ...t, [l]: e.target.value }))}
                      autoComplete="off"
                      spellCheck={false}
                    />
                  </label>
                ))
              : null}
          </fieldset>
          {rb.actions.length === 0 ? (
            <Empty title="No actions">
              <p>This runbook is for people only.</p>
            </Empty>
          ) : (
            rb.actions.map((a) => (
              <ActionCard key={a.id} runbook={rb} action={a} labels={labelsFor(a)} onOpen={open} />
            ))
          )}
        </section>
        <section
          className="section markdown"
          aria-label="Runbook text"
          dangerouslySetInnerHTML={{ __html: html }}
        />
      </div>
      {dialog !== undefined ? (
        <Dialog
          title={
            dialog.mode === 'dry-run' ? `Dry run: ${dialog.action.title}` : `Run ${dialog.action.title}?`
          }
          onClose={() => setDialog(undefined)}
          testId={dialog.mode === 'dry-run' ? 'dry-run-dialog' : 'confirm-dialog'}
          footer={
            <>
              <button type="button" className="button" onClick={() => setDialog(undefined)} data-autofocus>
                {dialog.mode === 'dry-run' ? 'Close' : 'Cancel'}
              </button>
              {dialog.mode === 'confirm' ? (
                <button
                  type="button"
                  className="button button-primary"
                  onClick={run}
                  disabled={dialog.busy || dialog.result === undefined || dialog.result.request === null}
                >
                  {dialog.action.approval === 'required'
                    ? 'Request run (needs approval)'
                    : `Run ${dialog.action.id} now`}
                </button>
              ) : null}
            </>
          }
        >
          {dialog.error !== undefined ? (
            <p className="state-error small" role="alert">
              {dialog.error.message}
              {dialog.error instanceof ApiRequestError ? (
                <>
                  {' '}
                  <code>{dialog.error.code}</code>
                </>
              ) : null}
            </p>
          ) : null}
          {dialog.busy && dialog.result === undefined ? <Loading what="what would be called" /> : null}
          {dialog.result !== undefined ? (
            <DryRunView result={dialog.result} confirm={dialog.mode === 'confirm'} />
          ) : null}
        </Dialog>
      ) : null}
    </div>
  );
}

function DryRunView({ result, confirm }: { result: DryRun; confirm: boolean }) {
  return (
    <div className="dry-run">
      <p>
        {confirm ? 'This will call, exactly:' : 'A run started now would call, exactly (nothing is sent):'}
      </p>
      {result.request !== null ? <RequestBlock request={result.request} /> : null}
      {result.refused !== null ? (
        <p className="banner banner-critical small" role="alert">
          Refused: {result.refused.message} <code>{result.refused.code}</code>
        </p>
      ) : null}
      <dl className="facts facts-compact small">
        <div>
          <dt>Guard rails</dt>
          <dd data-testid="dry-run-policy">
            {result.policy.allowed
              ? 'allowed now'
              : `refused: ${result.policy.message ?? result.policy.reason ?? ''}`}
          </dd>
        </div>
        <div>
          <dt>Approval</dt>
          <dd>
            {result.approval === 'required'
              ? 'required: the run waits for someone with operate'
              : 'not needed'}
          </dd>
        </div>
        <div>
          <dt>Then verifies</dt>
          <dd>
            {result.verify === null
              ? 'nothing'
              : `${result.verify.alert} resolves within ${formatWindow(result.verify.withinMs)}`}
          </dd>
        </div>
        <div>
          <dt>Idempotency-Key</dt>
          <dd>
            <code className="small">{result.idempotencyKey}</code>
          </dd>
        </div>
      </dl>
    </div>
  );
}
