// The signed audit log at /audit (?subject= shows the entries about one run or alert): its
// verification status first (the whole chain checked by the server: hashes, signatures, links, head),
// then the entries newest first, paging back with "Older entries".
import { useState } from 'react';
import { fetchAudit, verifyAudit, type AuditEntry } from '../api/audit';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatClock } from '../lib/format';
import { auditPath } from '../lib/paths';
import { Link, useSearchParams, useTitle } from '../lib/router';
import { useAsync } from '../lib/use-async';

function Verification() {
  const check = useAsync('audit-verify', (signal) => verifyAudit(signal));
  if (check.state === 'error' && check.data === undefined)
    return <ErrorState error={check.error} what="the verification" onRetry={check.reload} />;
  if (check.data === undefined) return <Loading what="the chain verification" />;
  const v = check.data;
  return (
    <div
      className={`banner ${v.ok ? 'banner-ok' : 'banner-critical'} verification`}
      role="status"
      data-testid="audit-verification"
      data-ok={v.ok}
    >
      {v.ok ? (
        <>
          <strong>✓ Verified:</strong> all {v.entries} entries, their hashes, signatures and links, and the
          signed head{v.head !== undefined ? ` (seq ${v.head.seq})` : ''}.
        </>
      ) : (
        <>
          <strong>✗ Tampered:</strong> entry {v.failure.seq} cannot be trusted ({v.failure.reason}):{' '}
          {v.failure.message}. Entries 1–{v.entries} verified. Keep a copy of the data dir and run{' '}
          <code>slactl audit verify</code>.
        </>
      )}{' '}
      <span className="muted small">
        Checked {formatClock(Date.parse(v.checkedAt))} in {v.durationMs} ms.
      </span>{' '}
      <button type="button" className="button button-small" onClick={check.reload}>
        Verify again
      </button>
    </div>
  );
}

export function AuditPage() {
  useTitle('Audit log');
  const subject = useSearchParams().get('subject') ?? undefined;
  const [older, setOlder] = useState<{ entries: AuditEntry[]; next?: number } | undefined>(undefined);
  const first = useAsync(`audit:${subject ?? ''}`, (signal) => {
    setOlder(undefined);
    return fetchAudit({ limit: 100, ...(subject !== undefined ? { subject } : {}) }, signal);
  });
  const next = older !== undefined ? older.next : first.data?.next;
  const loadOlder = () => {
    if (next === undefined) return;
    void fetchAudit({ limit: 100, before: next, ...(subject !== undefined ? { subject } : {}) }).then(
      (page) =>
        setOlder((o) => ({
          entries: [...(o?.entries ?? []), ...page.data],
          ...(page.next !== undefined ? { next: page.next } : {}),
        })),
    );
  };
  const entries = [...(first.data?.data ?? []), ...(older?.entries ?? [])];
  return (
    <div className="page audit-page">
      <header className="page-head">
        <h1>Audit log</h1>
        {subject !== undefined ? (
          <span className="muted">
            about <code>{subject}</code> · <Link to={auditPath()}>all entries</Link>
          </span>
        ) : null}
      </header>
      <Verification />
      {first.state === 'error' && first.data === undefined ? (
        <ErrorState error={first.error} what="the audit log" onRetry={first.reload} />
      ) : first.data === undefined ? (
        <Loading what="the audit log" />
      ) : entries.length === 0 ? (
        <Empty title="No entries">
          <p>Alerts received, runs and their steps, approvals and token changes are recorded here.</p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Seq
                </th>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">Actor</th>
                <th scope="col">Subject</th>
                <th scope="col">Data</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq} data-seq={e.seq} data-kind={e.kind}>
                  <td className="num">{e.seq}</td>
                  <td className="num">{formatClock(e.at)}</td>
                  <td>
                    <code>{e.kind}</code>
                  </td>
                  <td className="small">{e.actor}</td>
                  <td className="small">
                    {e.subject !== null && e.subject !== undefined ? (
                      <Link to={auditPath(e.subject)}>{e.subject}</Link>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <details>
                      <summary className="small">
                        {Object.keys(e.data ?? {})
                          .slice(0, 4)
                          .join(', ') || 'data'}
                      </summary>
                      <pre className="code small">
                        <code>{JSON.stringify(e.data, null, 2)}</code>
                      </pre>
                    </details>
                  </td>
                  <td>
                    <code className="small" title={`${e.hash}\nsignature ${e.signature}`}>
                      {e.hash.slice(0, 12)}…
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== undefined ? (
        <button type="button" className="button" onClick={loadOlder}>
          Older entries
        </button>
      ) : null}
    </div>
  );
}
