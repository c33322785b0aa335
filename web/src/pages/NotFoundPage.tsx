// An address the dashboard has no page for: says so, and where the pages are.
import { Link, useLocation, useTitle } from '../lib/router';

export function NotFoundPage() {
  useTitle('Not found');
  const { pathname } = useLocation();
  return (
    <div className="page state state-empty">
      <h1>No such page</h1>
      <p>The dashboard has no page at {pathname}.</p>
      <p>
        <Link to="/">Back to the overview</Link> · <Link to="/runs">Runs</Link> ·{' '}
        <Link to="/audit">Audit log</Link>
      </p>
    </div>
  );
}
