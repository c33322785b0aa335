// The four dimensions of an SLA (latency, availability, freshness, recall) as tiles: the headline value
// next to its target, the error budget left and the burn rate where the dimension has an objective,
// and one line per measured subject, worst first.
import type { Dimension, DimensionHealth, ObjectiveStatus, SlaStatus } from '../api/slas';
import { formatBurnRate, formatPercent, formatSeconds, formatTarget, percentDigits } from './format';

export const DIMENSIONS: readonly Dimension[] = ['latency', 'availability', 'freshness', 'recall'];

export const DIMENSION_LABELS: Record<Dimension, string> = {
  latency: 'Latency',
  availability: 'Availability',
  freshness: 'Freshness',
  recall: 'Recall',
};

/** One measured value against its target, `breach` when it is on the wrong side. */
export interface TileLine {
  label: string;
  value: string;
  target: string;
  breach: boolean;
  /** How close to the target (≥ 1: at or past it); sorts lines worst first. */
  pressure: number;
}

export interface DimensionTile {
  dimension: Dimension;
  label: string;
  health: DimensionHealth;
  lines: TileLine[];
  /** The worst objective's error budget left (1 = untouched, negative = overspent). */
  budgetRemaining?: number;
  burnRate?: number;
  /** Shown when there is nothing to measure: `not configured`, `no data yet`. */
  note?: string;
}

/** `succeeded` for availability, `p99 ≤ 100ms` for a latency objective, else its name. */
export function objectiveLabel(o: Pick<ObjectiveStatus, 'slo' | 'description'>): string {
  if (o.slo === 'availability') return 'succeeded';
  const within = / within (\S+)$/.exec(o.description);
  const name = o.slo.replace(/^latency-/, '');
  return within ? `${name} ≤ ${within[1]}` : name;
}

function objectiveLine(o: ObjectiveStatus): TileLine {
  const digits = percentDigits(o.target);
  const label = objectiveLabel(o);
  if (o.evaluatedBy === 'prometheus')
    return {
      label,
      value: 'in Prometheus',
      target: `≥ ${formatTarget(o.target)}`,
      breach: false,
      pressure: 0,
    };
  const budget = 1 - o.target;
  return {
    label,
    value: formatPercent(o.sli, digits),
    target: `≥ ${formatTarget(o.target)}`,
    breach: o.sli !== undefined && o.sli < o.target,
    pressure: o.sli === undefined || budget <= 0 ? 0 : (1 - o.sli) / budget,
  };
}

function worstObjective(objectives: ObjectiveStatus[]): ObjectiveStatus | undefined {
  let worst: ObjectiveStatus | undefined;
  for (const o of objectives) {
    if (o.errorBudgetRemaining === undefined) continue;
    if (worst === undefined || o.errorBudgetRemaining < worst.errorBudgetRemaining!) worst = o;
  }
  return worst;
}

const byPressure = (a: TileLine, b: TileLine) => b.pressure - a.pressure || a.label.localeCompare(b.label);

/** The tile of one dimension of an SLA. */
export function dimensionTile(status: SlaStatus, dimension: Dimension): DimensionTile {
  const health = status.dimensions[dimension];
  const tile: DimensionTile = { dimension, label: DIMENSION_LABELS[dimension], health, lines: [] };
  if (health === 'not_configured') {
    tile.note = 'Not in this SLA';
    return tile;
  }
  if (dimension === 'latency' || dimension === 'availability') {
    const objectives = status.objectives.filter((o) => o.dimension === dimension);
    tile.lines = objectives.map(objectiveLine);
    const worst = worstObjective(objectives);
    if (worst?.errorBudgetRemaining !== undefined) tile.budgetRemaining = worst.errorBudgetRemaining;
    if (worst?.burnRate !== undefined) tile.burnRate = worst.burnRate;
    if (dimension === 'latency' && status.components.length > 0) {
      const over = status.components.filter((c) => c.overBudget).length;
      tile.lines.push({
        label: 'components over budget',
        value: String(over),
        target: `of ${status.components.length}`,
        breach: over > 0,
        pressure: over > 0 ? 1 : 0,
      });
    }
  } else if (dimension === 'freshness') {
    tile.lines = status.freshness
      .map((f) => ({
        label: f.feature,
        value: formatSeconds(f.ageSeconds),
        target: `≤ ${formatSeconds(f.maxAgeSeconds)}`,
        breach: f.ageSeconds !== undefined && f.ageSeconds > f.maxAgeSeconds,
        pressure: f.ageSeconds === undefined ? 0 : f.ageSeconds / f.maxAgeSeconds,
      }))
      .sort(byPressure);
  } else {
    tile.lines = status.recall
      .map((r) => {
        const gap = 1 - r.min;
        const enough = r.probes >= r.minProbes;
        return {
          label: `${r.index} @${r.k}`,
          value: r.recall === undefined ? '—' : formatPercent(r.recall, 1),
          target: `≥ ${formatTarget(r.min)}`,
          breach: enough && r.recall !== undefined && r.recall < r.min,
          pressure: r.recall === undefined || gap <= 0 ? 0 : (1 - r.recall) / gap,
        };
      })
      .sort(byPressure);
  }
  if (tile.lines.length === 0 || health === 'no_data') tile.note = 'No data yet';
  return tile;
}

/** All four tiles, worst first (ties keep the seed's order: latency, availability, freshness, recall). */
export function dimensionTiles(status: SlaStatus): DimensionTile[] {
  const rank: Record<DimensionHealth, number> = {
    critical: 0,
    warning: 1,
    no_data: 2,
    ok: 3,
    not_configured: 4,
  };
  return DIMENSIONS.map((d) => dimensionTile(status, d)).sort(
    (a, b) =>
      rank[a.health] - rank[b.health] || DIMENSIONS.indexOf(a.dimension) - DIMENSIONS.indexOf(b.dimension),
  );
}

/** `budget 82% left · burn 0.4×`. */
export function budgetText(tile: DimensionTile): string | undefined {
  if (tile.budgetRemaining === undefined) return undefined;
  const burn = tile.burnRate === undefined ? '' : ` · burn ${formatBurnRate(tile.burnRate)}`;
  return `budget ${formatPercent(tile.budgetRemaining, 1)} left${burn}`;
}
