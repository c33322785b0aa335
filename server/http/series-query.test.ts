// The chart query's parameters, as both the store-backed route and the Prometheus-backed one read them.
import { describe, expect, it } from 'vitest';
import { FULL_SLA, planFromYaml } from '../evaluate/test-support/plans.js';
import { ApiError } from './errors.js';
import { parseSeriesQuery, seriesGrid } from './series-query.js';

const PLANS = [planFromYaml(FULL_SLA)];
const NOW = Date.parse('2026-12-06T04:00:00Z');

function refusal(query: Record<string, unknown>): { status: number; code: string; field?: string } {
  try {
    parseSeriesQuery(PLANS, query, NOW);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const field = (error.details[0] as { field?: string } | undefined)?.field;
    return { status: error.status, code: error.code, ...(field !== undefined ? { field } : {}) };
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('parseSeriesQuery', () => {
  it('reads an SLA, a signal and the defaults: the last hour, ~240 points, p99, no filter', () => {
    expect(parseSeriesQuery(PLANS, { sla: 'recs', signal: 'error_ratio' }, NOW)).toEqual({
      signal: 'error_ratio',
      service: 'recs-api',
      from: NOW - 3_600_000,
      to: NOW,
      stepMs: 20_000,
      quantile: 0.99,
      filter: {},
    });
  });

  it('reads times as ms or RFC 3339, the step, the quantile and the label filters', () => {
    const q = parseSeriesQuery(
      PLANS,
      {
        service: 'other-svc',
        signal: 'component_quantile',
        from: '2026-12-06T03:00:00Z',
        to: String(NOW),
        step: '1m',
        quantile: '0.5',
        component: 'vector_search',
        feature: '',
      },
      NOW,
    );
    expect(q).toMatchObject({
      service: 'other-svc',
      from: NOW - 3_600_000,
      to: NOW,
      stepMs: 60_000,
      quantile: 0.5,
      filter: { component: 'vector_search' },
    });
  });

  it.each([
    [{ sla: 'recs' }, { status: 400, code: 'invalid_query', field: 'signal' }],
    [
      { sla: 'recs', signal: 'nope' },
      { status: 400, code: 'invalid_query', field: 'signal' },
    ],
    [{ signal: 'error_ratio' }, { status: 400, code: 'invalid_query', field: 'sla' }],
    [
      { sla: 'nope', signal: 'error_ratio' },
      { status: 404, code: 'not_found' },
    ],
    [
      { sla: 'recs', signal: 'error_ratio', from: 'yesterday' },
      { status: 400, code: 'invalid_query', field: 'from' },
    ],
    [
      { sla: 'recs', signal: 'error_ratio', from: String(NOW) },
      { status: 400, code: 'invalid_query', field: 'from' },
    ],
    [
      { sla: 'recs', signal: 'error_ratio', step: '5s' },
      { status: 400, code: 'invalid_query', field: 'step' },
    ],
    [
      { sla: 'recs', signal: 'error_ratio', from: '0', step: '10s' },
      { status: 400, code: 'invalid_query', field: 'step' },
    ],
    [
      { sla: 'recs', signal: 'error_ratio', quantile: '1' },
      { status: 400, code: 'invalid_query', field: 'quantile' },
    ],
    [
      { sla: ['a', 'b'], signal: 'error_ratio' },
      { status: 400, code: 'invalid_query', field: 'sla' },
    ],
  ])('refuses %j, naming the parameter', (query, expected) => {
    expect(refusal(query)).toEqual(expected);
  });
});

describe('seriesGrid', () => {
  it('puts points at from + step, from + 2·step, … up to and including to', () => {
    expect(seriesGrid({ from: 0, to: 30_000, stepMs: 10_000 })).toEqual([10_000, 20_000, 30_000]);
    expect(seriesGrid({ from: 0, to: 25_000, stepMs: 10_000 })).toEqual([10_000, 20_000]);
    expect(seriesGrid({ from: 0, to: 5_000, stepMs: 10_000 })).toEqual([]);
  });
});
