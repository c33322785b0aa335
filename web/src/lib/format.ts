// Numbers for people: every value with its unit, ratios as percentages with enough digits to tell them
// from their target, durations in the largest sensible units.

const NBSP = '\u00a0';

/** Digits after the point that tell a percentage apart from its target: 99.9% needs 2, 99% needs 1. */
export function percentDigits(target: number | undefined): number {
  if (target === undefined || !Number.isFinite(target)) return 1;
  const text = String(Math.round(target * 100 * 1e6) / 1e6);
  const dot = text.indexOf('.');
  return Math.min(4, (dot < 0 ? 0 : text.length - dot - 1) + 1);
}

/** 0.9987 → `99.87%`; `digits` after the point (trailing zeros kept so columns line up). */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === undefined || ratio === null || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** A target as written in the SLA: 0.999 → `99.9%`, 0.95 → `95%`. */
export function formatTarget(ratio: number): string {
  return `${String(Math.round(ratio * 100 * 1e6) / 1e6)}%`;
}

/** Milliseconds with a precision that suits their size: `0.42 ms`, `14.9 ms`, `250 ms`, `1.25 s`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${trim((ms / 1000).toFixed(2))}${NBSP}s`;
  if (ms >= 100) return `${Math.round(ms)}${NBSP}ms`;
  if (ms >= 10) return `${ms.toFixed(1)}${NBSP}ms`;
  return `${trim(ms.toFixed(2))}${NBSP}ms`;
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Seconds as the largest two units: `42 s`, `5 m 03 s`, `2 h 10 m`, `3 d 4 h`; `∞` when infinite. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === undefined || seconds === null) return '—';
  if (seconds === Infinity) return '∞';
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 1) return formatMs(seconds * 1000);
  if (seconds < 60) return `${seconds < 10 ? trim(seconds.toFixed(1)) : Math.round(seconds)}${NBSP}s`;
  const s = Math.round(seconds);
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const i = units.findIndex(([, size]) => s >= size);
  const [bigName, bigSize] = units[i]!;
  const [smallName, smallSize] = units[i + 1]!;
  const big = Math.floor(s / bigSize);
  const small = Math.floor((s - big * bigSize) / smallSize);
  return small === 0
    ? `${big}${NBSP}${bigName}`
    : `${big}${NBSP}${bigName} ${String(small).padStart(2, '0')}${NBSP}${smallName}`;
}

/** The time since `sinceMs` in whole seconds, for alert ages: `0 s`, `45 s`, `12 m 04 s`. */
export function formatAge(sinceMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  return seconds < 1 ? `0${NBSP}s` : formatSeconds(seconds);
}

/** A burn rate: `0.4×`, `14.4×`. */
export function formatBurnRate(rate: number | null | undefined): string {
  if (rate === undefined || rate === null || !Number.isFinite(rate)) return '—';
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}×`;
}

/** Counts with thousands separators: `12,400`. */
export function formatCount(n: number | null | undefined): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** Bytes in binary units: `1.5 GiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${i === 0 ? value : value.toFixed(1)}${NBSP}${units[i]}`;
}

/** A plain number with up to `digits` decimals: PSI `0.213`. */
export function formatNumber(n: number | null | undefined, digits = 3): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  return trim(n.toFixed(digits));
}

/** A clock time in the viewer's zone: `03:14:07`. */
export function formatClock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** A window length as SLAs write it: 2592000000 → `30d`. */
export function formatWindow(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [name, size] of units) if (ms % size === 0 && ms >= size) return `${ms / size}${name}`;
  return `${ms}ms`;
}
