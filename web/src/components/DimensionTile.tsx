// One dimension of an SLA: its health, each measured value next to its target, and the error budget
// left with the burn rate when the dimension has an objective.
import { budgetText, type DimensionTile as Tile } from '../lib/dimensions';
import { HEALTH_LABELS, HealthIcon } from './HealthIcon';

export function DimensionTile({ tile }: { tile: Tile }) {
  const budget = budgetText(tile);
  const lines = tile.lines.slice(0, 3);
  const hidden = tile.lines.length - lines.length;
  return (
    <section
      className={`tile tile-${tile.health}`}
      data-dimension={tile.dimension}
      data-health={tile.health}
      aria-label={`${tile.label}: ${HEALTH_LABELS[tile.health]}`}
    >
      <header className="tile-head">
        <HealthIcon health={tile.health} />
        <span className="tile-name">{tile.label}</span>
        <span className="tile-health">{HEALTH_LABELS[tile.health]}</span>
      </header>
      {tile.note !== undefined && tile.lines.length === 0 ? <p className="tile-note">{tile.note}</p> : null}
      {lines.length > 0 ? (
        <dl className="tile-lines">
          {lines.map((line) => (
            <div key={line.label} className={line.breach ? 'breach' : undefined}>
              <dt title={line.label}>{line.label}</dt>
              <dd>
                <span className="value">
                  {line.breach ? <span className="visually-hidden">breached: </span> : null}
                  {line.value}
                </span>{' '}
                <span className="target">{line.target}</span>
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
      {hidden > 0 ? <p className="tile-more muted small">+{hidden} more</p> : null}
      {budget !== undefined ? (
        <p className={`tile-budget${(tile.budgetRemaining ?? 1) < 0 ? ' breach' : ''}`}>{budget}</p>
      ) : null}
    </section>
  );
}
