// The incident view of one SLA at /incidents/:sla (?node= selects a node): the whole decision tree,
// the path the triage walked highlighted down to its answer, the evidence at each node, and the
// answer's runbook one click away. It re-reads the triage whenever the SLA's alerts change.
import { useMemo } from 'react';
import { fetchTree, fetchTriage, type EvidenceView } from '../api/triage';
import { HealthBadge } from '../components/HealthIcon';
import { Empty, ErrorState, Loading } from '../components/States';
import { slaPath } from '../lib/alerts';
import { formatClock } from '../lib/format';
import { useLive } from '../lib/live';
import { incidentPath, runbookPath } from '../lib/paths';
import { Link, useSearchParams, useTitle } from '../lib/router';
import { describeCondition, describeEvidence, MARK_LABEL, treeRows, type TreeRow } from '../lib/tree';
import { useAsync } from '../lib/use-async';

const MARK_ICON = { leaf: '◆', path: '●', other: '◇', no: '○', not_asked: '·' } as const;

function subjectText(subject: Record<string, string>): string {
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function EvidenceTable({ evidence }: { evidence: EvidenceView[] }) {
  if (evidence.length === 0)
    return <p className="muted small">No evidence: a group node holds when one of its children holds.</p>;
  return (
    <div className="table-wrap">
      <table className="table evidence">
        <thead>
          <tr>
            <th scope="col">Counts</th>
            <th scope="col">Source</th>
            <th scope="col">Subject</th>
            <th scope="col">Reading</th>
          </tr>
        </thead>
        <tbody>
          {evidence.map((e, i) => (
            <tr
              key={`${e.name}-${i}`}
              data-matched={e.matched}
              className={e.matched ? 'evidence-matched' : undefined}
            >
              <td>{e.context ? 'context' : e.matched ? '✓ yes' : '✗ no'}</td>
              <td>
                {e.source} <code>{e.name}</code>
              </td>
              <td className="small">{subjectText(e.subject) || '—'}</td>
              <td className="num">
                {describeEvidence(e)}
                {e.unit !== 'ratio' && e.value !== undefined ? (
                  <span className="muted small"> {e.unit}</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TreeBranch({
  rows,
  parent,
  sla,
  selected,
}: {
  rows: TreeRow[];
  parent: string | undefined;
  sla: string;
  selected: string | undefined;
}) {
  const level = rows.filter((r) => r.parent === parent);
  if (level.length === 0) return null;
  return (
    <ul className={parent === undefined ? 'tree' : 'tree-children'}>
      {level.map((row) => (
        <li key={row.id} className={`tree-node mark-${row.mark}`} data-node={row.id} data-mark={row.mark}>
          <Link
            to={incidentPath(sla, row.id)}
            className="tree-link"
            aria-current={row.id === selected ? 'true' : undefined}
          >
            <span className="tree-mark" aria-hidden="true">
              {MARK_ICON[row.mark]}
            </span>
            <span className="tree-question">{row.question}</span>
            <span className="tree-state small">{MARK_LABEL[row.mark]}</span>
          </Link>
          {row.runbook !== undefined && (row.mark === 'leaf' || row.mark === 'other') ? (
            <Link to={runbookPath(row.runbook)} className="tree-runbook small">
              Runbook: {row.runbook}
            </Link>
          ) : null}
          <TreeBranch rows={rows} parent={row.id} sla={sla} selected={selected} />
        </li>
      ))}
    </ul>
  );
}

export function IncidentPage({ sla }: { sla: string }) {
  useTitle(`Incident: ${sla}`);
  const live = useLive();
  const params = useSearchParams();
  const status = live.statuses.find((s) => s.name === sla);
  // A new key whenever this SLA's alerts change state: the triage follows the alerts without a reload.
  const changes = live.history.filter((t) => t.sla === sla);
  const version = `${status?.status ?? ''}:${changes.length}:${changes[changes.length - 1]?.at ?? 0}`;
  const tree = useAsync('triage-tree', (signal) => fetchTree(signal));
  const triage = useAsync(`triage:${sla}:${version}`, (signal) => fetchTriage(sla, signal), 30_000);
  const rows = useMemo(
    () => (tree.data === undefined ? [] : treeRows(tree.data, triage.data)),
    [tree.data, triage.data],
  );

  const crumbs = (
    <p className="crumbs">
      <Link to="/">Overview</Link> / <Link to={slaPath(sla)}>{sla}</Link> / incident
    </p>
  );
  if (tree.state === 'error' && tree.data === undefined)
    return (
      <div className="page">
        {crumbs}
        <ErrorState error={tree.error} what="the decision tree" onRetry={tree.reload} />
      </div>
    );
  if (triage.state === 'error' && triage.data === undefined)
    return (
      <div className="page">
        {crumbs}
        <ErrorState error={triage.error} what={`the triage of ${sla}`} onRetry={triage.reload} />
      </div>
    );
  if (tree.data === undefined || triage.data === undefined) return <Loading what={`the triage of ${sla}`} />;

  const view = triage.data;
  // The alert behind the answer, so the runbook page fills its actions with that alert's labels.
  const leafStep = view.path.find((s) => s.node === view.leaf?.node);
  const leafAlerts = (leafStep?.evidence ?? []).filter((e) => e.source === 'alert');
  const leafAlert =
    live.alerts.find((a) => a.sla === sla && leafAlerts.some((e) => e.matched && e.name === a.alertname)) ??
    live.alerts.find((a) => a.sla === sla && leafAlerts.some((e) => e.name === a.alertname));
  const selectedId = params.get('node') ?? view.leaf?.node ?? rows[0]?.id;
  const selected = rows.find((r) => r.id === selectedId);
  return (
    <div className="page incident-page" data-outcome={view.outcome}>
      {crumbs}
      <header className="page-head">
        <HealthBadge health={status?.status ?? (view.health as 'ok')} />
        <h1>Incident: {sla}</h1>
        <span className="muted">
          {view.service} · triaged against the evaluation of {formatClock(Date.parse(view.evaluatedAt))} ·{' '}
          {view.alerts.firing} firing, {view.alerts.pending} pending
        </span>
      </header>
      <p className="verdict lead" role="status">
        {view.summary}
      </p>
      {view.error !== undefined ? (
        <p className="banner banner-warning small">Last evaluation failed: {view.error}</p>
      ) : null}
      {view.leaf !== undefined ? (
        <p>
          {view.leaf.runbook !== undefined ? (
            <Link
              to={runbookPath(view.leaf.runbook, leafAlert?.fingerprint)}
              className="button"
              data-testid="leaf-runbook"
            >
              Open runbook {view.leaf.runbook}
            </Link>
          ) : (
            <strong>The answer names no runbook: escalate.</strong>
          )}
        </p>
      ) : null}
      {view.others.length > 0 ? (
        <p className="small">
          Also matching:{' '}
          {view.others.map((o, i) => (
            <span key={o.node}>
              {i > 0 ? ', ' : ''}
              <Link to={incidentPath(sla, o.node)}>{o.question}</Link>
              {o.runbook !== undefined ? (
                <>
                  {' '}
                  (<Link to={runbookPath(o.runbook)}>{o.runbook}</Link>)
                </>
              ) : null}
            </span>
          ))}
        </p>
      ) : null}
      <div className="incident-grid">
        <section className="section" aria-labelledby="tree-heading">
          <h2 id="tree-heading">Decision tree: {tree.data.name}</h2>
          <p className="muted small legend">
            {(['leaf', 'path', 'other', 'no', 'not_asked'] as const).map((m) => (
              <span key={m} className={`mark-${m}`}>
                <span aria-hidden="true">{MARK_ICON[m]}</span> {MARK_LABEL[m]}{' '}
              </span>
            ))}
          </p>
          <nav aria-label="Decision tree">
            <TreeBranch rows={rows} parent={undefined} sla={sla} selected={selected?.id} />
          </nav>
        </section>
        <section className="section node-detail" aria-labelledby="node-heading" data-node={selected?.id}>
          {selected === undefined ? (
            <Empty title={`No node ${selectedId ?? ''} in the tree`}>
              <p>Pick a question in the tree.</p>
            </Empty>
          ) : (
            <>
              <h2 id="node-heading">{selected.question}</h2>
              <dl className="facts">
                <div>
                  <dt>Node</dt>
                  <dd>
                    <code>{selected.id}</code>
                  </dd>
                </div>
                <div>
                  <dt>Answer here</dt>
                  <dd>{MARK_LABEL[selected.mark]}</dd>
                </div>
                <div>
                  <dt>Holds when</dt>
                  <dd>{describeCondition(selected.when)}</dd>
                </div>
                <div>
                  <dt>Runbook</dt>
                  <dd>
                    {selected.runbook === undefined ? (
                      'none (its children answer)'
                    ) : (
                      <Link to={runbookPath(selected.runbook)}>{selected.runbook}</Link>
                    )}
                  </dd>
                </div>
              </dl>
              <h3>Evidence</h3>
              {selected.step === undefined ? (
                <p className="muted">Not asked: the walk did not reach this question.</p>
              ) : (
                <EvidenceTable evidence={selected.step.evidence} />
              )}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
