// `{slot}` templates in runbook actions and the patterns that guard them. Alert labels are untrusted
// input: a label fills a slot only when its whole value matches an anchored pattern, a slot in argv is
// always a whole argument (no shell, no splicing), and a path slot is URL-encoded.

/** Anything that looks like a slot, including misspelled ones (`{Index}`, `{consumer-group}`). */
const SLOT_LIKE = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/** The param name when the whole string is one slot (`{index}`), else undefined. */
export function wholeSlot(value: string): string | undefined {
  const match = /^\{([a-z_][a-z0-9_]*)\}$/.exec(value);
  return match?.[1];
}

/** Every slot-like `{name}` in a string, with its offset. */
export function slotsIn(value: string): Array<{ name: string; offset: number; valid: boolean }> {
  const out: Array<{ name: string; offset: number; valid: boolean }> = [];
  for (const match of value.matchAll(SLOT_LIKE)) {
    const name = match[1]!;
    out.push({ name, offset: match.index, valid: /^[a-z_][a-z0-9_]*$/.test(name) });
  }
  return out;
}

/** Where a slot is used: rules differ for paths, JSON bodies and argv. */
export type SlotPlace = 'path' | 'body' | 'argv';

const SHELLS = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'fish',
  'csh',
  'tcsh',
  'cmd',
  'cmd.exe',
  'powershell',
  'pwsh',
]);

/** Whether a program is a shell (running one would turn a slot into an injection point). */
export function isShell(program: string): boolean {
  const base = program.split(/[\\/]/).pop() ?? program;
  return SHELLS.has(base.toLowerCase());
}

/**
 * Why a pattern cannot guard a slot, or undefined when it can: it must compile and be anchored at both
 * ends, with no top-level alternation (`^a|b$` matches anything that ends in b).
 */
export function patternProblem(
  pattern: string,
): { code: string; message: string; hint?: string } | undefined {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return {
      code: 'invalid_pattern',
      message: `the pattern does not compile: ${(error as Error).message}`,
      hint: 'patterns are JavaScript regular expressions (with the u flag)',
    };
  }
  const anchoredEnd = pattern.endsWith('$') && !/(^|[^\\])(\\\\)*\\\$$/.test(pattern);
  if (!pattern.startsWith('^') || !anchoredEnd) {
    return {
      code: 'unanchored_pattern',
      message: `the pattern ${JSON.stringify(pattern)} is not anchored: it would accept a value that merely contains a match`,
      hint: `anchor it at both ends: ^${pattern.replace(/^\^/, '').replace(/\$$/, '')}$`,
    };
  }
  if (hasTopLevelAlternation(pattern)) {
    return {
      code: 'unanchored_pattern',
      message: `the pattern ${JSON.stringify(pattern)} has a top-level |, so its anchors bind to one alternative only`,
      hint: `group the alternatives: ^(?:${pattern.slice(1, -1)})$`,
    };
  }
  return undefined;
}

function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) return true;
  }
  return false;
}

/** Compiles a checked pattern; callers check it with patternProblem first. */
export function compilePattern(pattern: string): RegExp {
  return new RegExp(pattern, 'u');
}

const PROBE_CHARS = 'abcxyzABCXYZ0123456789_-.=/:@+ '.split('');

/** A value starting with `-` the pattern accepts (an option where an argument belongs), if any. */
export function acceptedOption(pattern: RegExp): string | undefined {
  const probes = ['-', '--', ...PROBE_CHARS.flatMap((c) => [`-${c}`, `--${c}`, `-${c}${c}`, `--${c}=x`])];
  return probes.find((p) => pattern.test(p));
}

/** A dot segment (`.` or `..`) the pattern accepts (path traversal after URL normalisation), if any. */
export function acceptedDotSegment(pattern: RegExp): string | undefined {
  return ['.', '..'].find((p) => pattern.test(p));
}

/** Most characters a label value may have to fill a slot. */
export const MAX_SLOT_VALUE_LENGTH = 256;

/** Why a label value cannot fill a slot at the given places, or undefined when it can. */
export function valueProblem(
  value: string,
  pattern: RegExp,
  places: ReadonlySet<SlotPlace>,
): string | undefined {
  if (value === '') return 'is empty';
  if (value.length > MAX_SLOT_VALUE_LENGTH) return `is longer than ${MAX_SLOT_VALUE_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains control characters';
  const match = pattern.exec(value);
  if (match === null || match.index !== 0 || match[0] !== value) return `does not match ${pattern.source}`;
  if (places.has('argv') && value.startsWith('-')) return 'starts with "-" and would be read as an option';
  if (places.has('path') && /^\.+$/.test(value)) return 'is a dot segment';
  return undefined;
}
