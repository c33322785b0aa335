// Finding label values that a team's selectors accept (or reject), to synthesize input series for the
// promtool tests of custom SLIs.
import { matcherAccepts } from './promql.js';
import type { LabelMatcher } from './promql.js';

const FALLBACK_VALUES = ['200', 'ok', 'other', 'x', 'slactl_test', 'error', '500', '0', '1', 'true', 'false'];

/** Strings that a simple regex matches (first branch of each group); empty when the regex is beyond us. */
export function regexExamples(pattern: string): string[] {
  let pos = 0;
  const peek = () => pattern[pos];
  const fail = (): never => {
    throw new Error(`unsupported regex ${pattern}`);
  };
  const escape = (c: string): string => {
    const classes: Record<string, string> = { d: '0', w: 'a', s: ' ', D: 'x', W: '-', S: 'x' };
    if (c in classes) return classes[c]!;
    if ('bBAzpPQE'.includes(c)) fail();
    return c;
  };
  const charClass = (): string => {
    const negated = peek() === '^';
    if (negated) pos++;
    let first: string | undefined;
    let i = 0;
    for (; pos < pattern.length && (pattern[pos] !== ']' || i === 0); i++) {
      let c = pattern[pos++]!;
      if (c === '[') fail();
      if (c === '\\') c = escape(pattern[pos++] ?? fail());
      first ??= c;
    }
    if (pattern[pos++] !== ']') fail();
    return negated ? '_' : (first ?? fail());
  };
  const atom = (): string => {
    const c = pattern[pos++]!;
    switch (c) {
      case '(': {
        if (pattern.startsWith('?:', pos)) pos += 2;
        else if (peek() === '?') fail();
        const [first] = alternatives();
        if (pattern[pos++] !== ')') fail();
        return first ?? '';
      }
      case '[':
        return charClass();
      case '.':
        return 'x';
      case '\\':
        return escape(pattern[pos++] ?? fail());
      case '^':
      case '$':
        return '';
      case '*':
      case '+':
      case '?':
      case '{':
        return fail();
      default:
        return c;
    }
  };
  const repeat = (): number => {
    const c = peek();
    let n = 1;
    if (c === '?' || c === '*') n = 0;
    else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(pattern.slice(pos));
      if (m === null) fail();
      n = Number(m![1]);
      pos += m![0].length - 1;
    } else if (c !== '+') return 1;
    pos++;
    if (peek() === '?') pos++;
    return n;
  };
  const sequence = (): string => {
    let out = '';
    while (pos < pattern.length && peek() !== '|' && peek() !== ')') {
      const a = atom();
      out += a.repeat(repeat());
    }
    return out;
  };
  function alternatives(): string[] {
    const out = [sequence()];
    while (peek() === '|') {
      pos++;
      out.push(sequence());
    }
    return out;
  }
  try {
    const out = alternatives();
    return pos === pattern.length ? out : [];
  } catch {
    return [];
  }
}

function candidates(name: string, matchers: readonly LabelMatcher[]): string[] {
  const out = new Set<string>();
  for (const m of matchers) {
    if (m.name !== name) continue;
    if (m.op === '=' || m.op === '!=') out.add(m.value);
    else for (const example of regexExamples(m.value)) out.add(example);
  }
  for (const value of FALLBACK_VALUES) out.add(value);
  out.delete('');
  // An absent label reads as "", the last resort (never for the metric name).
  return name === '__name__' ? [...out] : [...out, ''];
}

const accepts = (m: LabelMatcher, value: string): boolean => matcherAccepts(m, value) === true;
const rejects = (m: LabelMatcher, value: string): boolean => matcherAccepts(m, value) === false;

/**
 * A label set (with `__name__`) that every list in `must` matches and every list in `mustNot` rejects
 * (by failing at least one of its matchers), or undefined when none of the simple values fit.
 */
export function solveLabels(
  must: ReadonlyArray<readonly LabelMatcher[]>,
  mustNot: ReadonlyArray<readonly LabelMatcher[]> = [],
): Record<string, string> | undefined {
  const positive = must.flat();
  const all = [...positive, ...mustNot.flat()];
  const choose = (i: number, violated: LabelMatcher[]): Record<string, string> | undefined => {
    if (i < mustNot.length) {
      for (const m of mustNot[i]!) {
        const found = choose(i + 1, [...violated, m]);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const names = [...new Set([...positive, ...violated].map((m) => m.name))].sort();
    const labels: Record<string, string> = {};
    for (const name of names) {
      const pos = positive.filter((m) => m.name === name);
      const neg = violated.filter((m) => m.name === name);
      const value = candidates(name, all).find(
        (c) => pos.every((m) => accepts(m, c)) && neg.every((m) => rejects(m, c)),
      );
      if (value === undefined) return undefined;
      if (value !== '') labels[name] = value;
    }
    const ok =
      must.every((list) => list.every((m) => accepts(m, labels[m.name] ?? ''))) &&
      mustNot.every((list) => list.some((m) => rejects(m, labels[m.name] ?? '')));
    return ok ? labels : undefined;
  };
  return choose(0, []);
}
