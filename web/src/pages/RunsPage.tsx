// Remediation runs at /runs (?state= filters): newest first, kept current by `run` events, pages
// further back with "Older".
import { useState } from 'react';
import { fetchRuns, type RunView } from '../api/runs';
import { RunStateBadge } from '../components/RunState';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatClock } from '../lib/format';
import { useLive } from '../lib/live';
import { runbookPath, runPath } from '../lib/paths';
import { Link, useSearchParams, useTitle } from '../lib/router';
import { useAsync } from '../lib/use-async';

const FILTERS = ['', 'awaiting_approval', 'executing', 'verifying', 'succeeded', 'failed', 'escalated'];

export function RunsPage() {
  useTitle('Runs');
  const live = useLive();
  const state = useSearchParams().get('state') ?? '';
  const [older, setOlder] = useState<{ runs: RunView[]; next: string | null } | undefined>(undefined);
  const first = useAsync(`runs:${state}`, (signal) =>
    fetchRuns({ limit: 50, ...(state !== '' ? { state } : {}) }, signal),
  );
  const filters = (
    <nav aria-label="Filter runs" className="filters">
      {FILTERS.map((f) => (
        <Link
          key={f || 'all'}
          to={f === '' ? '/runs' : `/runs?state=${f}`}
          aria-current={f === state ? 'page' : undefined}
        >
          {f === '' ? 'all' : f.replace('_', ' ')}
        </Link>
      ))}
    </nav>
  );
  const head = (
    <header className="page-head">
      <h1>Remediation runs</h1>
    </header>
  );
  if (first.state === 'error' && first.data === undefined)
    return (
      <div className="page">
        {head}
        <ErrorState error={first.error} what="the runs" onRetry={first.reload} />
      </div>
    );
  if (first.data === undefined) return <Loading what="the runs" />;
  const listed = [...first.data.data, ...(older?.runs ?? [])];
  const ids = new Set(listed.map((r) => r.id));
  const latest = new Map(live.runs.map((r) => [r.id, r]));
  // New runs from the stream go on top (when they pass the filter); listed ones take their latest state.
  const fresh = live.runs.filter((r) => !ids.has(r.id) && (state === '' || r.state === state));
  const rows = [...fresh, ...listed.map((r) => latest.get(r.id) ?? r)];
  const next = older?.next ?? first.data.next;
  const loadOlder = () => {
    if (next === null) return;
    void fetchRuns({ limit: 50, cursor: next, ...(state !== '' ? { state } : {}) }).then((page) =>
      setOlder((o) => ({ runs: [...(o?.runs ?? []), ...page.data], next: page.next })),
    );
  };
  return (
    <div className="page runs-page">
      {head}
      {filters}
      {rows.length === 0 ? (
        <Empty title={state === '' ? 'No runs yet' : `No ${state.replace('_', ' ')} runs`}>
          <p>Runs start from a runbook's actions, by hand or when an alert fires.</p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Run</th>
                <th scope="col">Runbook / action</th>
                <th scope="col">Alert</th>
                <th scope="col">Started by</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-run={r.id} data-state={r.state}>
                  <td>
                    <RunStateBadge state={r.state} />
                  </td>
                  <td>
                    <Link to={runPath(r.id)}>
                      <code>{r.id.slice(-8)}</code>
                    </Link>
                  </td>
                  <td>
                    <Link to={runbookPath(r.runbook)}>{r.runbook}</Link> / {r.action}
                  </td>
                  <td>{r.alert.alertname ?? '—'}</td>
                  <td className="small">{r.createdBy}</td>
                  <td className="num">{formatClock(Date.parse(r.createdAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== null ? (
        <button type="button" className="button" onClick={loadOlder}>
          Older runs
        </button>
      ) : null}
    </div>
  );
}
