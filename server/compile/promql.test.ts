import fc from 'fast-check';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import type { Signal, ThresholdAlert } from './ir.js';
import {
  counterSumQuery,
  errorRatioExpr,
  escapeLabelValue,
  leMatcher,
  matchesAll,
  parseMatcherList,
  querySelectors,
  renderMatcher,
  selector,
  substituteWindow,
  thresholdExpr,
  unquoteString,
} from './promql.js';

const MINUTE = 60_000;

function hasSyntaxError(expr: string): boolean {
  let error = false;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) error = true;
    },
  });
  return error;
}

describe('escapeLabelValue', () => {
  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['back\\slash', 'back\\\\slash'],
    ['\\"', '\\\\\\"'],
    ['line\nbreak', 'line\\nbreak'],
  ])('%j → %j', (input, expected) => {
    expect(escapeLabelValue(input)).toBe(expected);
  });

  it('round-trips any string through a PromQL selector', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const result = querySelectors(selector('m', [{ name: 'a', op: '=', value }]));
        expect(result).toEqual({
          ok: true,
          selectors: [
            [
              { name: '__name__', op: '=', value: 'm' },
              { name: 'a', op: '=', value },
            ],
          ],
        });
      }),
    );
  });
});

describe('selectors', () => {
  it('renders matchers in order and a bare metric without them', () => {
    expect(selector('up', [])).toBe('up');
    expect(
      selector('x', [
        { name: 'a', op: '=', value: '1' },
        { name: 'b', op: '!~', value: 'c.*' },
      ]),
    ).toBe('x{a="1",b!~"c.*"}');
  });

  it('refuses names that would break the expression', () => {
    expect(() => selector('bad name', [])).toThrow(/invalid metric name/);
    expect(() => renderMatcher({ name: 'a-b', op: '=', value: '' })).toThrow(/invalid label name/);
  });

  it('matches both spellings of integer le values and exactly otherwise', () => {
    expect(renderMatcher(leMatcher(1))).toBe('le=~"1|1\\\\.0"');
    expect(renderMatcher(leMatcher(0.1))).toBe('le="0.1"');
    expect(renderMatcher(leMatcher(0.1 + 0.2))).toBe('le="0.3"');
  });

  it('fills in every {{window}}', () => {
    expect(substituteWindow('a[{{window}}] / b[{{ window }}]', '5m')).toBe('a[5m] / b[5m]');
  });
});

describe('errorRatioExpr', () => {
  it('guards the default availability SLI against missing errors and idle services', () => {
    expect(errorRatioExpr({ kind: 'requests', service: 'recs' }, 5 * MINUTE)).toBe(
      '(sum(rate(slactl_request_errors_total{service="recs"}[5m])) or vector(0)) / (sum(rate(slactl_requests_total{service="recs"}[5m])) > 0)',
    );
  });

  it('counts requests slower than the latency threshold', () => {
    expect(errorRatioExpr({ kind: 'latency', service: 'recs', thresholdSeconds: 0.1 }, 30 * 86_400_000)).toBe(
      '1 - (sum(rate(slactl_request_duration_seconds_bucket{service="recs",le="0.1"}[30d])) / (sum(rate(slactl_request_duration_seconds_count{service="recs"}[30d])) > 0))',
    );
  });

  it('fills the window into custom ratio queries', () => {
    expect(
      errorRatioExpr(
        { kind: 'custom-ratio', errors: 'sum(rate(e[{{window}}]))', total: 'sum(rate(t[{{window}}]))' },
        3_600_000,
      ),
    ).toBe('((sum(rate(e[1h]))) or vector(0)) / ((sum(rate(t[1h]))) > 0)');
  });

  it('joins a custom histogram selector with the le matcher', () => {
    const sli = {
      kind: 'custom-histogram',
      metric: 'h',
      selector: 'job="a", ',
      thresholdSeconds: 2,
    } as const;
    expect(errorRatioExpr(sli, MINUTE)).toBe(
      '1 - (sum(rate(h_bucket{job="a",le=~"2|2\\\\.0"}[1m])) / (sum(rate(h_count{job="a"}[1m])) > 0))',
    );
    expect(errorRatioExpr({ ...sli, selector: '' }, MINUTE)).toBe(
      '1 - (sum(rate(h_bucket{le=~"2|2\\\\.0"}[1m])) / (sum(rate(h_count[1m])) > 0))',
    );
  });

  it('escapes the service everywhere', () => {
    const expr = errorRatioExpr({ kind: 'requests', service: 'a"b\\c' }, MINUTE);
    expect(expr).toContain('service="a\\"b\\\\c"');
    expect(hasSyntaxError(expr)).toBe(false);
  });
});

describe('thresholdExpr', () => {
  const alert = (signal: Signal, op: '>' | '<', threshold: number): ThresholdAlert => ({
    alertname: 'FeatureStale',
    severity: 'warning',
    signal,
    op,
    threshold,
    forMs: 0,
    subject: {},
    valueFormat: 'number',
    summary: '',
    description: '',
    runbook: 'r',
    decisionNode: 'n',
  });
  const s = 'recs';
  it.each<[Signal, '>' | '<', number, string]>([
    [
      {
        kind: 'component-quantile',
        service: s,
        component: 'vector_search',
        quantile: 0.99,
        windowMs: 5 * MINUTE,
      },
      '>',
      0.025,
      'histogram_quantile(0.99, sum by (le) (rate(slactl_component_latency_seconds_bucket{service="recs",component="vector_search"}[5m]))) > 0.025 and on() (sum(rate(slactl_component_latency_seconds_count{service="recs",component="vector_search"}[5m])) > 0)',
    ],
    [
      { kind: 'feature-age', service: s, feature: 'f' },
      '>',
      300,
      'slactl_feature_age_seconds{service="recs",feature="f"} > 300',
    ],
    [
      { kind: 'recall', service: s, index: 'i', k: 10, windowMs: 10 * MINUTE, minProbes: 20 },
      '<',
      0.95,
      'sum(rate(slactl_recall_hits_total{service="recs",index="i",k="10"}[10m])) / (sum(rate(slactl_recall_expected_total{service="recs",index="i",k="10"}[10m])) > 0) < 0.95 and on() (sum(increase(slactl_recall_probes_total{service="recs",index="i",k="10"}[10m])) >= 20)',
    ],
    [
      { kind: 'tombstone-ratio', service: s, index: 'i' },
      '>',
      0.2,
      'slactl_index_tombstones{service="recs",index="i"} / (slactl_index_vectors{service="recs",index="i"} > 0) > 0.2',
    ],
    [
      { kind: 'null-rate', service: s, windowMs: 10 * MINUTE },
      '>',
      0.05,
      'sum by (feature) (rate(slactl_feature_nulls_total{service="recs"}[10m])) / (sum by (feature) (rate(slactl_feature_lookups_total{service="recs"}[10m])) > 0) > 0.05',
    ],
    [
      { kind: 'drift-psi', service: s },
      '>',
      0.25,
      'max by (feature) (slactl_distribution_psi{service="recs"}) > 0.25',
    ],
    [
      { kind: 'stream-catchup', service: s, consumerGroup: 'g' },
      '>',
      300,
      'slactl_stream_catchup_seconds{service="recs",consumer_group="g"} > 300',
    ],
    [
      { kind: 'stream-stalled', service: s, consumerGroup: 'g' },
      '>',
      0,
      'slactl_stream_lag_messages{service="recs",consumer_group="g"} > 0 and on(service, consumer_group) slactl_stream_consume_rate{service="recs",consumer_group="g"} == 0',
    ],
  ])('%o', (signal, op, threshold, expected) => {
    const expr = thresholdExpr(alert(signal, op, threshold));
    expect(expr).toBe(expected);
    expect(hasSyntaxError(expr)).toBe(false);
  });

  it('prints thresholds without floating-point noise', () => {
    expect(thresholdExpr(alert({ kind: 'drift-psi', service: s }, '>', 0.1 + 0.2))).toMatch(/ > 0\.3$/);
  });
});

describe('reading custom PromQL', () => {
  it('unquotes the three kinds of string literal', () => {
    expect(unquoteString('"a\\"b\\\\c\\n"')).toBe('a"b\\c\n');
    expect(unquoteString("'it\\'s'")).toBe("it's");
    expect(unquoteString('`raw\\n`')).toBe('raw\\n');
    expect(unquoteString('"\\x41\\u00e9\\101"')).toBe('AéA');
    expect(unquoteString('"\\q"')).toBeUndefined();
    expect(unquoteString('"open')).toBeUndefined();
  });

  it('finds every selector of a query', () => {
    const result = querySelectors(
      'sum(rate(a{x="1"}[{{window}}])) / sum(rate({__name__="b", y=~"2|3"}[5m]))',
    );
    expect(result).toEqual({
      ok: true,
      selectors: [
        [
          { name: '__name__', op: '=', value: 'a' },
          { name: 'x', op: '=', value: '1' },
        ],
        [
          { name: '__name__', op: '=', value: 'b' },
          { name: 'y', op: '=~', value: '2|3' },
        ],
      ],
    });
    const broken = querySelectors('sum(rate(a[5m]');
    expect(broken.ok || broken.reason).toMatch(/syntax error/);
  });

  it.each([
    'sum(rate(http_requests_total{code=~"5.."}[{{window}}]))',
    '(sum(increase(x_total[{{window}}])))',
    'sum by () (rate(x_total[{{window}}]))',
    'sum(rate(x_total[{{window}}])) or vector(0)',
  ])('accepts the counter sum %s', (query) => {
    expect(counterSumQuery(query).ok).toBe(true);
  });

  it('reports the selector and the function of a counter sum', () => {
    expect(counterSumQuery('sum(increase(x{a!="b"}[{{window}}]))')).toEqual({
      ok: true,
      fn: 'increase',
      matchers: [
        { name: '__name__', op: '=', value: 'x' },
        { name: 'a', op: '!=', value: 'b' },
      ],
    });
  });

  it.each([
    ['sum(rate(x_total[5m]))', /the range is \[5m\]/],
    ['sum by (code) (rate(x_total[{{window}}]))', /keeps labels/],
    ['rate(x_total[{{window}}])', /not sum/],
    ['max(rate(x_total[{{window}}]))', /not sum/],
    ['sum(irate(x_total[{{window}}]))', /irate\(\) is not rate/],
    ['sum(rate(x_total[{{window}}])) + sum(rate(y_total[{{window}}]))', /unsupported binary/],
    ['sum(rate(x_total[{{window}}] offset 1h))', /plain range selector/],
    ['sum(rate(', /syntax error/],
  ])('rejects %s', (query, reason) => {
    const result = counterSumQuery(query);
    expect(result.ok || result.reason).toMatch(reason);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (query) => {
        counterSumQuery(query);
        querySelectors(query);
        parseMatcherList(query);
      }),
    );
  });

  it('parses the matcher list of a custom histogram', () => {
    expect(parseMatcherList('job="checkout", route!="/healthz",')).toEqual({
      ok: true,
      matchers: [
        { name: 'job', op: '=', value: 'checkout' },
        { name: 'route', op: '!=', value: '/healthz' },
      ],
    });
    expect(parseMatcherList('')).toEqual({ ok: true, matchers: [] });
    expect(parseMatcherList('{job="x"}')).toMatchObject({ ok: true });
    expect(parseMatcherList('job=')).toMatchObject({ ok: false });
  });

  it('matches label sets like Prometheus: anchored regexes, absent labels read as empty', () => {
    const m = [
      { name: 'code', op: '=~', value: '5..' },
      { name: 'route', op: '!=', value: '/healthz' },
    ] as const;
    expect(matchesAll(m, { code: '500' })).toBe(true);
    expect(matchesAll(m, { code: '5000' })).toBe(false);
    expect(matchesAll(m, { code: '503', route: '/healthz' })).toBe(false);
    expect(matchesAll([{ name: 'x', op: '=~', value: '' }], {})).toBe(true);
    expect(matchesAll([{ name: 'x', op: '=~', value: '(' }], { x: '(' })).toBe(false);
  });
});
