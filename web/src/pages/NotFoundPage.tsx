// An address the dashboard has no page for. Runbook, incident, run and audit pages come with the
// triage and remediation APIs; their links (in alert annotations) say so instead of a bare 404.
import { Link, useLocation, useTitle } from '../lib/router';

const LATER: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [
    /^\/runbooks\/([^/]+)/,
    (m) =>
      `Runbook pages are not in this version of the dashboard yet. The runbook is runbooks/${m[1] ?? ''}.md in the repository.`,
  ],
  [
    /^\/incidents\//,
    () =>
      'The incident view (the decision tree) is not in this version of the dashboard yet; slactl triage walks the same tree on the command line.',
  ],
  [/^\/runs(\/|$)/, () => 'Remediation runs are not in this version of the dashboard yet.'],
  [/^\/audit(\/|$)/, () => 'The audit log is not in this version of the dashboard yet.'],
];

export function NotFoundPage() {
  useTitle('Not found');
  const { pathname } = useLocation();
  let message: string | undefined;
  for (const [pattern, explain] of LATER) {
    const m = pattern.exec(pathname);
    if (m) {
      message = explain(m);
      break;
    }
  }
  return (
    <div className="page state state-empty">
      <h1>{message !== undefined ? 'Not available yet' : 'No such page'}</h1>
      <p>{message ?? `The dashboard has no page at ${pathname}.`}</p>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </div>
  );
}
