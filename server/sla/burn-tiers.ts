// The multi-window, multi-burn-rate tiers of the SRE workbook, scaled to an SLA window.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type BurnTierId = 'page-fast' | 'page-slow' | 'ticket-fast' | 'ticket-slow';

export interface BurnTierSpec {
  id: BurnTierId;
  severity: 'critical' | 'warning';
  budgetShare: number;
  longWindowMs: number;
  shortWindowMs: number;
  factor: number;
  forMs: number;
}

/** Budget share and windows per tier; with a 30d window the factors are 14.4, 6, 3 and 1. */
const BASE_TIERS: ReadonlyArray<Omit<BurnTierSpec, 'factor' | 'forMs'>> = [
  { id: 'page-fast', severity: 'critical', budgetShare: 0.02, longWindowMs: HOUR, shortWindowMs: 5 * MINUTE },
  {
    id: 'page-slow',
    severity: 'critical',
    budgetShare: 0.05,
    longWindowMs: 6 * HOUR,
    shortWindowMs: 30 * MINUTE,
  },
  { id: 'ticket-fast', severity: 'warning', budgetShare: 0.1, longWindowMs: DAY, shortWindowMs: 2 * HOUR },
  {
    id: 'ticket-slow',
    severity: 'warning',
    budgetShare: 0.1,
    longWindowMs: 3 * DAY,
    shortWindowMs: 6 * HOUR,
  },
];

/** The shortest SLA window any tier fits in. */
export const MIN_WINDOW_MS = HOUR;

/** Every window a ratio objective records its error ratio over, besides the SLA window itself. */
export const RATIO_WINDOWS_MS: readonly number[] = [
  5 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  6 * HOUR,
  DAY,
  3 * DAY,
];

/**
 * The tiers that fit an SLA window, with factor = budget share × window / long window. A tier whose
 * long window exceeds the SLA window cannot be evaluated against it and is dropped.
 */
export function burnTiers(windowMs: number): { tiers: BurnTierSpec[]; dropped: BurnTierId[] } {
  const tiers: BurnTierSpec[] = [];
  const dropped: BurnTierId[] = [];
  for (const base of BASE_TIERS) {
    if (base.longWindowMs > windowMs) {
      dropped.push(base.id);
      continue;
    }
    const factor = Number(((base.budgetShare * windowMs) / base.longWindowMs).toPrecision(12));
    // Hold the condition for 40% of the short window (2m for the 5m window) so one scrape cannot page.
    const forMs = Math.max(MINUTE, Math.round((base.shortWindowMs * 0.4) / MINUTE) * MINUTE);
    tiers.push({ ...base, factor, forMs });
  }
  return { tiers, dropped };
}
