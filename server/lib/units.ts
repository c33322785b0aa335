// Units used across the SLA spec: durations (`250ms`, `1.5s`, `1h30m`) and ratios (`99.9%`, `0.999`).

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Result of parsing a unit-bearing value: the number, or a message saying what is wrong. */
export type UnitResult = { ok: true; value: number } | { ok: false; message: string; hint?: string };

/** Parses a duration such as `250ms`, `1.5s`, `5m` or `1h30m` into milliseconds. */
export function parseDuration(input: unknown): UnitResult {
  if (typeof input === 'number') {
    return {
      ok: false,
      message: `duration ${input} has no unit`,
      hint: `write it with a unit: ${input}ms, ${input}s, ${input}m, ${input}h, ${input}d or ${input}w`,
    };
  }
  if (typeof input !== 'string') return { ok: false, message: 'expected a duration such as 100ms or 5m' };
  const text = input.trim();
  if (text === '') return { ok: false, message: 'empty duration', hint: 'for example 100ms, 1.5s or 5m' };
  let total = 0;
  let pos = 0;
  let lastRank = Infinity;
  const ranks: Record<DurationUnit, number> = { w: 6, d: 5, h: 4, m: 3, s: 2, ms: 1 };
  while (pos < text.length) {
    DURATION_PART.lastIndex = pos;
    const match = DURATION_PART.exec(text);
    if (!match) {
      const rest = text.slice(pos);
      const unit = /^\d+(?:\.\d+)?([a-zA-Z]+)/.exec(rest)?.[1];
      if (unit !== undefined) {
        return {
          ok: false,
          message: `unknown duration unit "${unit}" in "${input}"`,
          hint: 'units are ms, s, m, h, d and w',
        };
      }
      if (/^\d+(?:\.\d+)?$/.test(rest)) {
        return {
          ok: false,
          message: `duration "${input}" has no unit`,
          hint: `for example ${rest}ms or ${rest}s`,
        };
      }
      return {
        ok: false,
        message: `"${input}" is not a duration`,
        hint: 'for example 100ms, 1.5s, 5m or 1h30m',
      };
    }
    const unit = match[2] as DurationUnit;
    if (ranks[unit] >= lastRank) {
      return {
        ok: false,
        message: `duration "${input}" repeats or misorders its units`,
        hint: 'write the largest unit first, each once: 1h30m',
      };
    }
    lastRank = ranks[unit];
    total += Number(match[1]) * UNIT_MS[unit];
    pos = DURATION_PART.lastIndex;
  }
  // Sub-millisecond precision is meaningless for SLAs; keep whole milliseconds so output is stable.
  return { ok: true, value: Math.round(total) };
}

/** Formats milliseconds as a Prometheus duration (`1h30m`, `250ms`, `30d`); zero is `0s`. */
// Prometheus accepts y, w, d, h, m, s, ms; leaving out weeks (which divide exactly only sometimes) keeps
// `30d` readable. A constant: formatDuration runs for every rule written.
const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
  ['ms', UNIT_MS.ms],
];

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [name, size] of DURATION_UNITS) {
    if (rest >= size) {
      const count = Math.floor(rest / size);
      out += `${count}${name}`;
      rest -= count * size;
    }
  }
  return out;
}

/** Formats milliseconds for people: `100ms`, `1.5s`, `5m`, `1h30m`. */
export function formatDurationHuman(ms: number): string {
  if (ms > 0 && ms < 60_000 && ms % 1000 !== 0 && ms >= 1000) return `${formatNumber(ms / 1000)}s`;
  return formatDuration(ms);
}

/** Parses a ratio written as `99.9%` or `0.999` into a number (0.999). */
export function parseRatio(input: unknown): UnitResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: `ratio ${input} is not a finite number` };
    if (input > 1) {
      return {
        ok: false,
        message: `ratio ${input} is greater than 1`,
        hint: `write a percentage with a % sign (${input}%) or a fraction (${formatNumber(input / 100)})`,
      };
    }
    return { ok: true, value: input };
  }
  if (typeof input !== 'string') return { ok: false, message: 'expected a ratio such as 99.9% or 0.999' };
  const text = input.trim();
  const percent = /^(-?\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) return { ok: true, value: roundRatio(Number(percent[1]) / 100) };
  if (/^-?\d+(?:\.\d+)?$/.test(text)) return parseRatio(Number(text));
  return { ok: false, message: `"${input}" is not a ratio`, hint: 'write 99.9% or 0.999' };
}

/** Rounds away binary floating-point noise (99.9 / 100 = 0.9990000000000001). */
export function roundRatio(value: number): number {
  return Number(value.toPrecision(12));
}

/** Formats a number without floating-point noise: 0.1 + 0.2 prints as 0.3. */
export function formatNumber(value: number): string {
  // Integers print exactly already; this is the hot path when generating test series.
  if (Number.isSafeInteger(value)) return String(value);
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  return String(Number(value.toPrecision(12)));
}

/** Formats a ratio as a percentage: 0.999 → `99.9%`. */
export function formatPercent(ratio: number): string {
  return `${formatNumber(ratio * 100)}%`;
}
