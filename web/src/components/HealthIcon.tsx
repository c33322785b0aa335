// State is never told by colour alone: each health has its own shape and a text label.
import type { DimensionHealth } from '../api/slas';

export const HEALTH_LABELS: Record<DimensionHealth, string> = {
  critical: 'Critical',
  warning: 'Warning',
  ok: 'OK',
  no_data: 'No data',
  not_configured: 'Not configured',
};

const PATHS: Record<DimensionHealth, string> = {
  // octagon with a cross
  critical: 'M5.2 1h5.6L15 5.2v5.6L10.8 15H5.2L1 10.8V5.2zM5.5 5.5l5 5m0-5-5 5',
  // triangle with an exclamation mark
  warning: 'M8 1.5 15 14H1zM8 6v3.6M8 11.4v.1',
  // circle with a check
  ok: 'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1zM4.8 8.2l2.2 2.2 4.3-4.6',
  // dashed circle with a question mark
  no_data: 'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1zM6.2 6.2a1.9 1.9 0 1 1 2.6 1.8c-.6.3-.8.7-.8 1.3M8 11.3v.1',
  // circle with a dash
  not_configured: 'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1zM5 8h6',
};

/** The icon of a health; decorative (aria-hidden) because a text label always goes with it. */
export function HealthIcon({ health }: { health: DimensionHealth }) {
  return (
    <svg
      className={`icon icon-${health}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[health]} />
    </svg>
  );
}

/** Icon and label: `▲ Warning`. */
export function HealthBadge({ health, label }: { health: DimensionHealth; label?: string }) {
  return (
    <span className={`badge badge-${health}`} data-health={health}>
      <HealthIcon health={health} />
      <span>{label ?? HEALTH_LABELS[health]}</span>
    </span>
  );
}
