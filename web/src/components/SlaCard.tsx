// One SLA on the overview: its health and alert counts, its four dimensions worst first, and its
// maturity level. The name links to its page.
import type { SlaStatus } from '../api/slas';
import { slaPath } from '../lib/alerts';
import { dimensionTiles } from '../lib/dimensions';
import { formatWindow } from '../lib/format';
import { maturityOf, type RunbookCoverage } from '../lib/maturity';
import { Link } from '../lib/router';
import { DimensionTile } from './DimensionTile';
import { HealthBadge } from './HealthIcon';
import { MaturityBadge } from './MaturityBadge';

/** `coverage`: the SLA's runbook coverage (Levels 3 and 4); absent while the runbooks load. */
export function SlaCard({ status, coverage }: { status: SlaStatus; coverage?: RunbookCoverage | undefined }) {
  const tiles = dimensionTiles(status);
  const headingId = `sla-${status.name}`;
  return (
    <article
      className={`sla-card sla-${status.status}`}
      aria-labelledby={headingId}
      data-sla={status.name}
      data-status={status.status}
      data-firing={status.alerts.firing}
      data-pending={status.alerts.pending}
    >
      <header className="sla-head">
        <HealthBadge health={status.status} />
        <h3 id={headingId} className="sla-name">
          <Link to={slaPath(status.name)}>{status.name}</Link>
        </h3>
        <span className="muted small">
          {status.service} · {status.tier} · {formatWindow(status.windowMs)} window
          {status.owner !== undefined ? ` · ${status.owner}` : ''}
        </span>
        <span className="sla-alerts small">
          <strong>{status.alerts.firing}</strong> firing · <strong>{status.alerts.pending}</strong> pending
        </span>
        <MaturityBadge maturity={maturityOf(status, coverage)} />
      </header>
      {status.error !== undefined ? (
        <p className="banner banner-warning small" role="note">
          Last evaluation failed: {status.error} (alerts keep their previous state)
        </p>
      ) : null}
      <div className="tiles">
        {tiles.map((tile) => (
          <DimensionTile key={tile.dimension} tile={tile} />
        ))}
      </div>
    </article>
  );
}
