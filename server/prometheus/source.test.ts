// PrometheusSource over a scripted Prometheus (a fake fetch): alert health, transitions, the custom-SLI
// family failing alone, one log line per outage, shutdown. The real Prometheus is in
// source.prometheus.test.ts and live.prometheus.test.ts.
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type SlaPlan } from '../compile/ir.js';
import { CUSTOM_SLI_SLA, FULL_SLA, planFromYaml } from '../evaluate/test-support/plans.js';
import { PrometheusClient, type PrometheusApiAlert } from './client.js';
import { PrometheusSource } from './source.js';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const HOUR = 3_600_000;

/** The custom-SLI SLA without the 1h tier: its burn rate needs the 1h ratio sent as the rules write it. */
function searchWithout1h(): SlaPlan {
  const plan = planFromYaml(CUSTOM_SLI_SLA);
  const [availability, ...rest] = plan.objectives;
  return {
    ...plan,
    objectives: [
      {
        ...availability!,
        tiers: availability!.tiers.filter((t) => t.longWindowMs !== HOUR && t.shortWindowMs !== HOUR),
      },
      ...rest,
    ],
  };
}

type Answer = Response | 'hang';

interface Script {
  alerts?: () => Answer;
  recorded?: () => Answer;
  gauges?: () => Answer;
  rates?: () => Answer;
  custom?: () => Answer;
}

const ok = (data: unknown) => new Response(JSON.stringify({ status: 'success', data }), { status: 200 });
const vector = (result: unknown[]) => ok({ resultType: 'vector', result });
const sample = (metric: Record<string, string>, value: string) => ({ metric, value: [T / 1000, value] });
const alertsAnswer = (alerts: PrometheusApiAlert[]) => ok({ alerts });

/** A fetch that answers each family from the script (default: an empty success). */
function fakePrometheus(script: Script): { fetch: typeof fetch; queries: string[] } {
  const queries: string[] = [];
  const fn = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString();
    const query = new URLSearchParams(typeof init?.body === 'string' ? init.body : '').get('query') ?? '';
    queries.push(url.endsWith('/api/v1/alerts') ? 'alerts' : query);
    const family: keyof Script = url.endsWith('/api/v1/alerts')
      ? 'alerts'
      : query.includes('slactl:slo_objective')
        ? 'recorded'
        : query.startsWith('{__name__=~"slactl_')
          ? 'gauges'
          : query.includes('"c0"')
            ? 'custom'
            : 'rates';
    const answer = script[family]?.() ?? (family === 'alerts' ? alertsAnswer([]) : vector([]));
    if (answer === 'hang')
      return new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
      );
    return Promise.resolve(answer);
  };
  return { fetch: fn, queries };
}

function logs(): {
  logger: pino.Logger;
  lines: () => Array<{ level: number; msg: string; families?: string[] }>;
} {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    lines: () =>
      out
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

function source(plans: SlaPlan[], script: Script, logger = pino({ level: 'silent' }), registry?: Registry) {
  const fake = fakePrometheus(script);
  const s = new PrometheusSource({
    plans,
    settings: DEFAULT_SETTINGS,
    client: new PrometheusClient({ url: 'http://prometheus.test:9090', fetch: fake.fetch, timeoutMs: 1_000 }),
    log: logger,
    ...(registry !== undefined ? { registry } : {}),
  });
  return { source: s, queries: fake.queries };
}

const recs = planFromYaml(FULL_SLA);
const recsRecorded = () =>
  vector([
    sample({ __name__: 'slactl:slo_objective:ratio', sla: 'recs', slo: 'availability' }, '0.999'),
    sample({ __name__: 'slactl:sli_error_ratio:rate30d', sla: 'recs', slo: 'availability' }, '0.0005'),
    sample({ __name__: 'slactl:sli_error_ratio:rate1h', sla: 'recs', slo: 'availability' }, '0.0144'),
  ]);
const burning: PrometheusApiAlert = {
  labels: {
    alertname: 'SLOAvailabilityBurnRateHigh',
    burn_tier: 'page-fast',
    service: 'recs-api',
    severity: 'critical',
    sla: 'recs',
    slo: 'availability',
    team: 'ranking',
  },
  annotations: { summary: 'recs: availability error budget burning' },
  state: 'firing',
  activeAt: '2026-01-10T11:55:00Z',
  value: '14.4',
};

describe('PrometheusSource', () => {
  it('sends one query per family and one alerts call per cycle', async () => {
    const { source: s, queries } = source([recs, searchWithout1h()], {});
    await s.poll(T);
    expect(queries).toHaveLength(5);
    expect(queries[0]).toBe('alerts');
    expect(queries.filter((q) => q.includes('label_replace'))).toHaveLength(2);
  });

  it('takes health per dimension from firing alerts, and reports their transitions', async () => {
    let alerts = [burning];
    const { source: s } = source([recs], { alerts: () => alertsAnswer(alerts), recorded: recsRecorded });
    const first = await s.poll(T);
    const [status] = first.statuses;
    expect(status).toMatchObject({
      status: 'critical',
      dimensions: { availability: 'critical', latency: 'no_data', freshness: 'no_data', recall: 'no_data' },
      alerts: { firing: 1, pending: 0 },
    });
    expect(status!.objectives[0]!.burnRate).toBeCloseTo(14.4, 9);
    expect(first.alerts).toHaveLength(1);
    expect(first.alerts[0]).toMatchObject({ sla: 'recs', state: 'firing', value: 14.4 });
    expect(first.transitions.map((t) => `${t.alertname}:${t.from}->${t.to}`)).toEqual([
      'SLOAvailabilityBurnRateHigh:inactive->firing',
    ]);
    expect((await s.poll(T + 15_000)).transitions).toEqual([]);
    alerts = [];
    const resolved = await s.poll(T + 30_000);
    expect(resolved.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['firing->resolved']);
    expect(resolved.statuses[0]!.status).toBe('ok');
  });

  it('gives custom PromQL SLIs a burn rate from their own 1h expression', async () => {
    const { source: s, queries } = source([searchWithout1h()], {
      recorded: () =>
        vector([
          sample({ __name__: 'slactl:slo_objective:ratio', sla: 'search', slo: 'availability' }, '0.995'),
          sample({ __name__: 'slactl:sli_error_ratio:rate28d', sla: 'search', slo: 'availability' }, '0.001'),
        ]),
      custom: () => vector([sample({ slactl_part: 'c0' }, '0.02')]),
    });
    const result = await s.poll(T);
    const custom = queries.find((q) => q.includes('"c0"'))!;
    expect(custom).toContain('sum(rate(http_requests_total{job="search-api",code=~"5.."}[1h]))');
    const [objective] = result.statuses[0]!.objectives;
    expect(objective).toMatchObject({ slo: 'availability', evaluatedBy: 'prometheus' });
    expect(objective!.sli).toBeCloseTo(0.999, 12);
    expect(objective!.burnRate).toBeCloseTo(4, 9);
  });

  it("marks only the SLAs that read a failing team's query as stale, not the data source", async () => {
    const log = logs();
    const registry = new Registry();
    const { source: s } = source(
      [recs, searchWithout1h()],
      {
        recorded: recsRecorded,
        custom: () =>
          new Response(
            JSON.stringify({
              status: 'error',
              errorType: 'execution',
              error: 'many-to-many matching not allowed',
            }),
            {
              status: 422,
            },
          ),
      },
      log.logger,
      registry,
    );
    await s.poll(T);
    const result = await s.poll(T + 15_000);
    expect(result.healthy).toBe(true);
    expect(result.errors).toEqual([
      { family: 'custom', message: '/api/v1/query: execution: many-to-many matching not allowed (HTTP 422)' },
    ]);
    const [recsStatus, search] = result.statuses;
    expect(recsStatus!.error).toBeUndefined();
    expect(search!.error).toContain('many-to-many matching not allowed');
    expect(search!.error).not.toContain('last complete answer');
    // The rest of the poll answered: the values are fresh, as of this poll.
    expect(result.statuses.map((st) => st.evaluatedAt)).toEqual([T + 15_000, T + 15_000]);
    expect(s.lastEvaluatedAt()).toBe(T + 15_000);
    expect(s.dataSource()).toMatchObject({
      healthy: true,
      lastSuccessAt: T + 15_000,
      error: 'custom: /api/v1/query: execution: many-to-many matching not allowed (HTTP 422)',
    });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/slactl_prometheus_up 1/);
    expect(metrics).toMatch(/slactl_prometheus_failures_total\{family="custom"\} 2/);
    expect(log.lines().map((l) => [l.msg, l.families])).toEqual([
      ['Prometheus data source failing: serving the last good values until it answers', ['custom']],
    ]);
  });

  it('logs an outage once, not every cycle, and its end once', async () => {
    let down = true;
    const refuse = () => (down ? new Response('connection reset by proxy', { status: 503 }) : undefined);
    const log = logs();
    const { source: s } = source(
      [recs],
      {
        alerts: () => refuse() ?? alertsAnswer([]),
        recorded: () => refuse() ?? recsRecorded(),
        gauges: () => refuse() ?? vector([]),
        rates: () => refuse() ?? vector([]),
      },
      log.logger,
    );
    for (let i = 0; i < 4; i++) await s.poll(T + i * 15_000);
    down = false;
    await s.poll(T + 60_000);
    await s.poll(T + 75_000);
    const lines = log.lines();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'Prometheus data source failing: serving the last good values until it answers'],
      [30, 'Prometheus data source answers again'],
    ]);
    expect(lines[0]!.families).toEqual(['alerts', 'recorded', 'gauges', 'rates']);
    expect(lines[1]).toMatchObject({ downMs: 60_000 });
    expect(s.dataSource()).toMatchObject({ healthy: true, lastSuccessAt: T + 75_000 });
  });

  it('before the first answer serves every SLA without values, and reports it has not polled', () => {
    const { source: s } = source([recs], {});
    expect(s.statuses()).toHaveLength(1);
    expect(s.statuses()[0]).toMatchObject({ name: 'recs', status: 'no_data', evaluatedAt: 0 });
    expect(s.alerts()).toEqual([]);
    expect(s.lastEvaluatedAt()).toBeUndefined();
    expect(s.dataSource()).toEqual({
      kind: 'prometheus',
      url: 'http://prometheus.test:9090',
      healthy: false,
    });
  });

  it('cancels the requests in flight on close, without logging an outage', async () => {
    const log = logs();
    const { source: s } = source([recs], { alerts: () => 'hang', recorded: () => 'hang' }, log.logger);
    const polling = s.poll(T);
    s.close();
    const result = await polling;
    expect(result.errors.map((e) => e.message)).toEqual([
      '/api/v1/alerts: cancelled',
      '/api/v1/query: cancelled',
    ]);
    expect(log.lines()).toEqual([]);
  });
});
