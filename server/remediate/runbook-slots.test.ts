// The guards between untrusted alert labels and the requests and programs an action runs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptedDotSegment,
  acceptedOption,
  compilePattern,
  isShell,
  patternProblem,
  slotsIn,
  valueProblem,
  wholeSlot,
  MAX_SLOT_VALUE_LENGTH,
} from './runbook-slots.js';

describe('patternProblem', () => {
  it.each([
    ['^[a-z0-9][a-z0-9_-]{0,62}$', undefined],
    ['^(?:recs|search)$', undefined],
    ['^a\\|b$', undefined],
    ['^[|]$', undefined],
    ['[a-z]+', 'unanchored_pattern'],
    ['^[a-z]+', 'unanchored_pattern'],
    ['[a-z]+$', 'unanchored_pattern'],
    ['^[a-z]+\\$', 'unanchored_pattern'],
    ['^[a-z]+\\\\$', undefined],
    ['^recs|search$', 'unanchored_pattern'],
    ['^(recs$', 'invalid_pattern'],
    ['^[a-z\\_]$', 'invalid_pattern'],
  ])('%s → %s', (pattern, code) => {
    expect(patternProblem(pattern)?.code).toBe(code);
  });
});

describe('probes', () => {
  it('finds a leading dash a pattern accepts', () => {
    expect(acceptedOption(compilePattern('^[a-z0-9][a-z0-9-]*$'))).toBeUndefined();
    expect(acceptedOption(compilePattern('^[a-z-]+$'))).toBe('-');
    expect(acceptedOption(compilePattern('^-[a-z]$'))).toBe('-a');
    expect(acceptedOption(compilePattern('^.+$'))).toBe('-');
  });

  it('finds a dot segment a pattern accepts', () => {
    expect(acceptedDotSegment(compilePattern('^[a-z0-9][a-z0-9._-]*$'))).toBeUndefined();
    expect(acceptedDotSegment(compilePattern('^[a-z.]+$'))).toBe('.');
    expect(acceptedDotSegment(compilePattern('^\\.\\.$'))).toBe('..');
  });
});

describe('valueProblem', () => {
  const name = compilePattern('^[a-z0-9][a-z0-9_.-]{0,62}$');
  const anything = compilePattern('^.+$');
  it.each([
    ['products', name, ['path'], undefined],
    ['', name, ['body'], 'is empty'],
    ['Products', name, ['body'], 'does not match ^[a-z0-9][a-z0-9_.-]{0,62}$'],
    [
      'x'.repeat(MAX_SLOT_VALUE_LENGTH + 1),
      anything,
      ['body'],
      `is longer than ${MAX_SLOT_VALUE_LENGTH} characters`,
    ],
    ['a\nb', anything, ['body'], 'contains control characters'],
    ['--kubeconfig=/tmp/x', anything, ['argv'], 'starts with "-" and would be read as an option'],
    ['--kubeconfig=/tmp/x', anything, ['body'], undefined],
    ['..', anything, ['path'], 'is a dot segment'],
    ['..', anything, ['argv'], undefined],
  ] as const)('%j at %j', (value, pattern, places, problem) => {
    expect(valueProblem(value, pattern, new Set(places))).toBe(problem);
  });

  it('accepts a value only when the whole of it matches, whatever the pattern', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        const ok = valueProblem(value, name, new Set(['argv', 'path'])) === undefined;
        expect(ok).toBe(/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(value));
      }),
      { numRuns: 500 },
    );
  });
});

describe('slots', () => {
  it('knows a whole slot from a partial or malformed one', () => {
    expect(wholeSlot('{index}')).toBe('index');
    expect(wholeSlot('{Index}')).toBeUndefined();
    expect(wholeSlot('x{index}')).toBeUndefined();
    expect(slotsIn('/a/{index}/b/{Index}/{consumer-group}')).toEqual([
      { name: 'index', offset: 3, valid: true },
      { name: 'Index', offset: 13, valid: false },
      { name: 'consumer-group', offset: 21, valid: false },
    ]);
    expect(slotsIn('{"spec":{"minReplicas":12}}')).toEqual([]);
  });

  it('knows a shell', () => {
    expect(isShell('/bin/bash')).toBe(true);
    expect(isShell('sh')).toBe(true);
    expect(isShell('C:\\Windows\\System32\\cmd.exe')).toBe(true);
    expect(isShell('/usr/local/bin/kubectl')).toBe(false);
  });
});
