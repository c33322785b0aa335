import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPlainSafe, toYaml, yamlKey, yamlScalar, type YamlValue } from './yaml-out.js';

const text = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    'true',
    'No',
    '~',
    // A lone '=' is YAML 1.1's value-key indicator; PyYAML refuses it plain.
    '=',
    '0.1',
    '1e3',
    '-x',
    '- x',
    'a: b',
    'a #b',
    '{{ $value }}',
    'x:',
    ' lead',
    'trail ',
    'line\nbreak',
    '"q"',
    "'q'",
    '@at',
    '`tick`',
    '%p',
    '.5',
    // Regression: '+.0' was written plain and read back as the number 0.
    '+.0',
    '-.5',
    '+.inf',
    '+1',
    '0x1F',
    '2026-11-22',
    'le="0.1"',
  ),
);
const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: false }),
  fc.boolean(),
  fc.constant(null),
);
const tree: fc.Arbitrary<YamlValue> = fc.letrec<{ node: YamlValue }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(text, tie('node'), { maxKeys: 4 }),
  ),
})).node;

/** What YAML can express: -0 reads back as 0, everything else as written. */
function normalize(value: YamlValue): YamlValue {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === undefined ? v : normalize(v)]));
  }
  return Object.is(value, -0) ? 0 : value;
}

describe('toYaml', () => {
  it('round-trips through the yaml parser', () => {
    fc.assert(
      fc.property(fc.dictionary(text, tree, { maxKeys: 5 }), (value) => {
        expect(parse(toYaml(value))).toEqual(normalize(value));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 500) },
    );
  });

  it('writes rule files the way people write them', () => {
    expect(
      toYaml({
        groups: [
          {
            name: 'g',
            rules: [
              { record: 'a:b', expr: 'sum(rate(x[5m])) > 0', labels: { le: '0.1', slo: 'availability' } },
            ],
          },
        ],
      }),
    ).toMatchInlineSnapshot(`
      "groups:
        - name: g
          rules:
            - record: a:b
              expr: sum(rate(x[5m])) > 0
              labels:
                le: "0.1"
                slo: availability
      "
    `);
  });
});

describe('isPlainSafe', () => {
  it.each(['+.0', '-.5', '.5', '+1', '.inf', '-.Inf', '.nan', 'yes', '~', '=', 'a: b', '- x'])(
    'quotes %j',
    (text) => {
      expect(isPlainSafe(text)).toBe(false);
    },
  );
  it.each(['availability', 'sum(rate(x[5m])) > 0', 'a:b', 'recs-api', 'page-fast', '=~', 'a=b'])(
    'keeps %j plain',
    (text) => {
      expect(isPlainSafe(text)).toBe(true);
    },
  );
});

describe('yamlKey and yamlScalar', () => {
  it('write keys and scalars as toYaml does', () => {
    fc.assert(
      fc.property(text, leaf, (key, value) => {
        expect(toYaml({ [key]: value })).toBe(`${yamlKey(key)}: ${yamlScalar(value)}\n`);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 500) },
    );
  });

  it('quote the same key the same way on every call (they are remembered)', () => {
    for (let i = 0; i < 3; i++) {
      expect([yamlKey('expr'), yamlKey('yes'), yamlKey('a: b'), yamlKey('')]).toEqual([
        'expr',
        '"yes"',
        '"a: b"',
        '""',
      ]);
    }
  });
});
