// Go's number formatting (fmt %f / %g, Prometheus' humanize* template functions), so that the expected
// annotations of the promtool tests are byte for byte what Prometheus renders. Go rounds the exact binary
// value, ties to even.
import type { ValueStyle } from './emit-rules.js';

interface Decimal {
  /** Significant digits without trailing zeros; value = 0.<digits> × 10^dp. */
  digits: string;
  dp: number;
}

function exactDecimal(v: number): Decimal {
  if (v === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const exponent = (view.getUint32(0) >>> 20) & 0x7ff;
  let mantissa = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let e2 = -1074;
  if (exponent !== 0) {
    mantissa |= 1n << 52n;
    e2 = exponent - 1075;
  }
  // mantissa × 2^e2 = mantissa × 5^-e2 / 10^-e2 when e2 < 0.
  const digits = e2 >= 0 ? (mantissa << BigInt(e2)).toString() : (mantissa * 5n ** BigInt(-e2)).toString();
  const dp = e2 >= 0 ? digits.length : digits.length + e2;
  return { digits: digits.replace(/0+$/, ''), dp };
}

function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits[nd]!;
  const up =
    next === '5' && nd + 1 === d.digits.length ? nd > 0 && Number(d.digits[nd - 1]) % 2 === 1 : next >= '5';
  if (!up) return { digits: d.digits.slice(0, nd).replace(/0+$/, ''), dp: d.dp };
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: d.digits.slice(0, i) + String(Number(d.digits[i]) + 1), dp: d.dp };
}

function fmtF(d: Decimal, prec: number): string {
  let out = d.dp > 0 ? d.digits.slice(0, d.dp).padEnd(d.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return undefined;
}

/** Go's `fmt.Sprintf("%.<prec>f", v)`. */
export function goFixed(v: number, prec: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  const d = exactDecimal(Math.abs(v));
  const out = fmtF(roundDecimal(d, d.dp + prec), prec);
  return v < 0 || Object.is(v, -0) ? `-${out}` : out;
}

/** Go's `fmt.Sprintf("%.<prec>g", v)`. */
export function goGeneral(v: number, precision: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  let prec = precision === 0 ? 1 : precision;
  const d = roundDecimal(exactDecimal(Math.abs(v)), prec);
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  let eprec = prec;
  if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > d.digits.length) prec = d.digits.length;
    let out = d.digits[0] ?? '0';
    if (prec > 1) out += `.${d.digits.slice(1, prec).padEnd(prec - 1, '0')}`;
    const e = d.digits.length === 0 ? 0 : exp;
    return `${sign}${out}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (prec > d.dp) prec = d.digits.length;
  return sign + fmtF(d, Math.max(prec - d.dp, 0));
}

/** Prometheus' `humanizeDuration` template function. */
export function humanizeDuration(value: number): string {
  if (!Number.isFinite(value)) return goGeneral(value, 4);
  if (value === 0) return `${goGeneral(value, 4)}s`;
  let v = value;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const whole = Math.trunc(v);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goGeneral(v, 4)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goGeneral(v, 4)}${prefix}s`;
}

// Rendering a value is exact decimal arithmetic on BigInts, and the same few values (1 / error budget,
// the chosen breach values) come back for every SLA: remember them, within a bound.
const RENDERED_LIMIT = 10_000;
const rendered: Record<ValueStyle, Map<number, string>> = {
  percent: new Map(),
  duration: new Map(),
  number: new Map(),
  'burn-rate': new Map(),
};

/** The text Prometheus renders for `$value` in the given style (see VALUE_TEMPLATES in emit-rules). */
export function renderValue(style: ValueStyle, value: number): string {
  // A Map takes -0 for 0, which renders differently.
  if (Object.is(value, -0)) return renderValueUncached(style, value);
  const byValue = rendered[style];
  let text = byValue.get(value);
  if (text === undefined) {
    if (byValue.size >= RENDERED_LIMIT) byValue.clear();
    text = renderValueUncached(style, value);
    byValue.set(value, text);
  }
  return text;
}

function renderValueUncached(style: ValueStyle, value: number): string {
  switch (style) {
    case 'percent':
      return `${goGeneral(value * 100, 4)}%`;
    case 'duration':
      return humanizeDuration(value);
    case 'number':
      return goGeneral(value, 4);
    case 'burn-rate':
      return goFixed(value, 1);
  }
}
