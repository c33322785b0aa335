import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchoredRegex, querySelectors } from '../compile/promql.js';
import { CUSTOM_SLI_SLA, FULL_SLA, planFromYaml, plansFromYaml } from '../evaluate/test-support/plans.js';
import { regexEscape } from '../compile/promql.js';
import { anyOf, cycleQueries, taggedUnion } from './queries.js';

/** Whether PromQL text parses (the lezer grammar Prometheus' UI uses). */
function parses(expr: string): boolean {
  return querySelectors(expr).ok;
}

describe('cycleQueries', () => {
  it('batches every SLA into one query per family', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      FULL_SLA.replace('name: recs', `name: recs-${i}`).replace(
        'service: recs-api',
        `service: recs-api-${i}`,
      ),
    ).join('---\n');
    const plans = plansFromYaml(many);
    expect(plans).toHaveLength(50);
    const q = cycleQueries(plans);
    expect(Object.keys(q).sort()).toEqual(['gauges', 'rates', 'recorded']);
    // Parts are per expression family and window, not per SLA.
    expect(q.rates!.parts.map((p) => p.kind)).toEqual([
      'component-quantile',
      'null-rate',
      'recall',
      'recall',
      'recall',
    ]);
    for (const expr of [q.recorded!, q.gauges!, q.rates!.expr]) expect(parses(expr)).toBe(true);
    expect(q.recorded).toContain('slactl:sli_error_ratio:rate30d|');
    expect(q.recorded).toContain('recs-0|recs-1|recs-10|');
  });

  it('has nothing to ask for no SLAs, and only what the SLAs need', () => {
    expect(cycleQueries([])).toEqual({});
    const q = cycleQueries([planFromYaml(CUSTOM_SLI_SLA)]);
    expect(q.gauges).toBeUndefined();
    expect(q.custom).toBeUndefined(); // its rules record 1h
    expect(q.rates!.parts.map((p) => p.kind)).toEqual(['recall', 'recall', 'recall']);
  });

  it('tags each part with its id', () => {
    expect(
      taggedUnion([
        { id: 'p0', expr: 'up' },
        { id: 'p1', expr: 'sum(x)' },
      ]),
    ).toBe(
      'label_replace(up, "slactl_part", "p0", "", "") or label_replace(sum(x), "slactl_part", "p1", "", "")',
    );
  });

  it('escapes any service name so that the regex matches exactly the names given', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.string(),
        (names, other) => {
          const matcher = anyOf('service', names);
          const parsed = querySelectors(`x{${matcher}}`);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          const m = parsed.selectors[0]!.find((s) => s.name === 'service')!;
          expect(m.op).toBe('=~');
          const re = anchoredRegex(m.value)!;
          for (const name of names) expect(re.test(name)).toBe(true);
          if (!names.includes(other)) expect(re.test(other)).toBe(false);
        },
      ),
    );
  });

  it('escapes regex metacharacters', () => {
    expect(regexEscape('a.b*c|d(e)[f]{g}^h$i+j?k\\l')).toBe(
      'a\\.b\\*c\\|d\\(e\\)\\[f\\]\\{g\\}\\^h\\$i\\+j\\?k\\\\l',
    );
  });
});
