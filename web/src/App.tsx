// The app shell: a header with the pages and the stream's state, the stale banner, and the page of the
// current address. Pages with charts load on demand.
import { lazy, Suspense, useEffect, useRef } from 'react';
import { fetchFaults } from './api/demo-faults';
import { ConnectionIndicator, DataSourceBanner, StaleBanner } from './components/StaleBanner';
import { Loading } from './components/States';
import { AlertPage } from './pages/AlertPage';
import { AuditPage } from './pages/AuditPage';
import { DemoPage } from './pages/DemoPage';
import { IncidentPage } from './pages/IncidentPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OverviewPage } from './pages/OverviewPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { useLive } from './lib/live';
import { Link, matchPath, useLocation } from './lib/router';
import { useAsync } from './lib/use-async';

const SlaDetailPage = lazy(() => import('./pages/SlaDetailPage'));
// The Markdown renderer and its sanitiser come with the runbook page only.
const RunbookPage = lazy(() => import('./pages/RunbookPage'));

function Page({ pathname }: { pathname: string }) {
  if (pathname === '/') return <OverviewPage />;
  const sla = matchPath('/slas/:name', pathname);
  if (sla)
    return (
      <Suspense fallback={<Loading what="the SLA page" />}>
        <SlaDetailPage name={sla.name!} />
      </Suspense>
    );
  const alert = matchPath('/alerts/:fingerprint', pathname);
  if (alert) return <AlertPage fingerprint={alert.fingerprint!} />;
  if (pathname === '/demo') return <DemoPage />;
  const incident = matchPath('/incidents/:sla', pathname);
  if (incident) return <IncidentPage key={incident.sla} sla={incident.sla!} />;
  const runbook = matchPath('/runbooks/:id', pathname);
  if (runbook)
    return (
      <Suspense fallback={<Loading what="the runbook" />}>
        <RunbookPage key={runbook.id} id={runbook.id!} />
      </Suspense>
    );
  if (pathname === '/runs') return <RunsPage />;
  const run = matchPath('/runs/:id', pathname);
  if (run) return <RunPage key={run.id} id={run.id!} />;
  if (pathname === '/audit') return <AuditPage />;
  return <NotFoundPage />;
}

export function App() {
  const { pathname } = useLocation();
  const live = useLive();
  // The demo's link shows only while the demo runs (its API answers 404 otherwise).
  const demo = useAsync('demo-available', (signal) =>
    fetchFaults(signal).then(
      () => true,
      () => false,
    ),
  );
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // After a navigation, move focus to the page so keyboard and screen-reader users start there.
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);
  const firing = live.alerts.filter((a) => a.state === 'firing').length;
  const awaiting = live.runs.filter((r) => r.state === 'awaiting_approval').length;
  const navLink = (to: string, label: string, extra?: string) => (
    <Link to={to} aria-current={pathname === to ? 'page' : undefined}>
      {label}
      {extra !== undefined ? <span className="nav-count">{extra}</span> : null}
    </Link>
  );
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="top">
        <header className="app-header">
          <Link to="/" className="brand">
            slactl
          </Link>
          <nav aria-label="Pages" className="app-nav">
            {navLink('/', 'Overview', live.ready && firing > 0 ? `${firing} firing` : undefined)}
            {navLink('/runs', 'Runs', awaiting > 0 ? `${awaiting} awaiting approval` : undefined)}
            {navLink('/audit', 'Audit')}
            {demo.data === true ? navLink('/demo', 'Demo faults') : null}
          </nav>
          <ConnectionIndicator />
        </header>
        <StaleBanner />
        <DataSourceBanner />
      </div>
      <main id="main" ref={main} tabIndex={-1}>
        <Page pathname={pathname} />
      </main>
    </>
  );
}
