// One SLA at /slas/:name: its dimensions against their targets, its alerts, the latency budget per
// component, each SLI over time with its threshold and alert periods, the error budget burn-down, and
// the early-warning signals (null rate, drift, stream lag and catch-up, recall hygiene, index memory).
// Loaded on demand with the chart library, so the overview stays small.
import { fetchIndexMemory } from '../api/metrics';
import { querySignal, type QueryResult, type QuerySignal } from '../api/signals-query';
import { fetchSla, type SlaStatus } from '../api/slas';
import { AlertTable } from '../components/AlertTable';
import { DimensionTile } from '../components/DimensionTile';
import { HealthBadge } from '../components/HealthIcon';
import { MaturityBadge } from '../components/MaturityBadge';
import { Empty, ErrorState, Loading } from '../components/States';
import { BudgetChart } from '../charts/BudgetChart';
import { SeriesChart, type Threshold } from '../charts/SeriesChart';
import { burnDown, firstTraffic } from '../lib/burn-down';
import { dimensionTiles } from '../lib/dimensions';
import {
  formatBurnRate,
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatSeconds,
  formatTarget,
  formatWindow,
} from '../lib/format';
import { useLive } from '../lib/live';
import { maturityOf } from '../lib/maturity';
import { useCoverages } from '../lib/use-runbooks';
import { incidentPath } from '../lib/paths';
import { alertPeriods } from '../lib/periods';
import { Link, useSearchParams, useTitle } from '../lib/router';
import { useAsync } from '../lib/use-async';

const RANGES: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
};
const DEFAULT_RANGE = '1h';
const REFRESH_MS = 30_000;

const SIGNALS: QuerySignal[] = [
  'latency_quantile',
  'error_ratio',
  'component_quantile',
  'feature_age',
  'recall',
  'tombstone_ratio',
  'null_rate',
  'drift_psi',
  'stream_lag',
  'catchup_seconds',
];

type Series = Partial<Record<QuerySignal, QueryResult | Error>>;

async function loadSeries(
  sla: string,
  rangeMs: number,
  signal: AbortSignal,
): Promise<{ series: Series; fromMs: number; toMs: number }> {
  const toMs = Date.now();
  const fromMs = toMs - rangeMs;
  const settled = await Promise.allSettled(
    SIGNALS.map((s) => querySignal({ signal: s, sla, fromMs, toMs }, signal)),
  );
  const series: Series = {};
  settled.forEach((r, i) => {
    series[SIGNALS[i]!] = r.status === 'fulfilled' ? r.value : (r.reason as Error);
  });
  return { series, fromMs, toMs };
}

/** The burn-down of the availability objective from the first traffic in the SLA window. */
async function loadBurnDown(sla: string, windowMs: number, target: number, signal: AbortSignal) {
  const toMs = Date.now();
  const coarse = await querySignal({ signal: 'request_rate', sla, fromMs: toMs - windowMs, toMs }, signal);
  const start = firstTraffic(coarse.series[0]?.points ?? [], coarse.stepMs);
  if (start === undefined) return { points: [], fromMs: toMs - windowMs, toMs };
  const fromMs = Math.max(start, toMs - windowMs);
  const [rate, errors] = await Promise.all([
    querySignal({ signal: 'request_rate', sla, fromMs, toMs }, signal),
    querySignal({ signal: 'error_ratio', sla, fromMs, toMs }, signal),
  ]);
  return {
    points: burnDown(rate.series[0]?.points ?? [], errors.series[0]?.points ?? [], rate.stepMs, target),
    fromMs,
    toMs,
  };
}

export default function SlaDetailPage({ name }: { name: string }) {
  useTitle(name);
  const params = useSearchParams();
  const range = params.get('range') ?? DEFAULT_RANGE;
  const rangeMs = RANGES[range] ?? RANGES[DEFAULT_RANGE]!;
  const live = useLive();
  const detail = useAsync(`sla:${name}`, (signal) => fetchSla(name, signal), REFRESH_MS);
  const series = useAsync(
    `series:${name}:${rangeMs}`,
    (signal) => loadSeries(name, rangeMs, signal),
    REFRESH_MS,
  );
  const liveStatus = live.statuses.find((s) => s.name === name);
  const status: SlaStatus | undefined = liveStatus ?? detail.data;
  const availability = status?.objectives.find((o) => o.slo === 'availability' && o.evaluatedBy === 'slactl');
  const burn = useAsync(
    `burn:${name}:${availability?.target ?? 'none'}`,
    (signal) =>
      availability === undefined || status === undefined
        ? Promise.resolve(undefined)
        : loadBurnDown(name, status.windowMs, availability.target, signal),
    60_000,
  );
  const memory = useAsync(
    `memory:${status?.service ?? ''}`,
    (signal) => (status === undefined ? Promise.resolve([]) : fetchIndexMemory(status.service, signal)),
    REFRESH_MS,
  );
  const coverage = useCoverages()(name);

  if (status === undefined) {
    if (detail.state === 'error')
      return <ErrorState error={detail.error} what={`SLA ${name}`} onRetry={detail.reload} />;
    if (live.ready && detail.state === 'done') return <Empty title={`No SLA named ${name}`} />;
    return <Loading what={`SLA ${name}`} />;
  }

  const alerts = live.alerts.filter((a) => a.sla === name);
  const now = series.data?.toMs ?? Date.now();
  const fromMs = series.data?.fromMs ?? now - rangeMs;
  const periods = (match: (labels: Record<string, string>, alertname: string) => boolean) =>
    alertPeriods(
      live.alerts,
      live.history,
      Date.now(),
      fromMs,
      (labels, alertname) => labels.sla === name && match(labels, alertname),
    );
  const result = (s: QuerySignal): QueryResult | undefined => {
    const r = series.data?.series[s];
    return r instanceof Error ? undefined : r;
  };
  const failed = (s: QuerySignal): Error | undefined => {
    const r = series.data?.series[s];
    return r instanceof Error ? r : undefined;
  };
  const subject = (s: QuerySignal, label: string, value: string) =>
    (result(s)?.series ?? []).filter((x) => x.labels[label] === value);
  const chartProps = { fromMs, toMs: now };
  const emptyText =
    series.state === 'loading' && series.data === undefined ? 'Loading…' : 'No data in this range yet.';
  const latencyThreshold: Threshold | undefined =
    detail.data?.budget != null
      ? {
          value: detail.data.budget.p99Ms,
          kind: 'max',
          label: `P99 target ${formatMs(detail.data.budget.p99Ms)}`,
        }
      : undefined;
  const maxCatchUp = new Map(
    (status.signals.streams ?? []).map((g) => [g.consumerGroup, g.maxCatchUpSeconds]),
  );
  const queryErrors = SIGNALS.map((s) => [s, failed(s)] as const).filter(([, e]) => e !== undefined);

  return (
    <div className="page sla-page" data-sla={name} data-status={status.status}>
      <p className="crumbs">
        <Link to="/">Overview</Link> / {name}
      </p>
      <header className="page-head">
        <HealthBadge health={status.status} />
        <h1>{name}</h1>
        <span className="muted">
          {status.service} · {status.tier} · {formatWindow(status.windowMs)} window
          {status.owner !== undefined ? ` · owner ${status.owner}` : ''}
          {detail.data
            ? ` · ${detail.data.source.file}${detail.data.source.line !== undefined ? `:${detail.data.source.line}` : ''}`
            : ''}
        </span>
        <MaturityBadge maturity={maturityOf(status, coverage)} />
        <Link to={incidentPath(name)} className="button button-small">
          Incident view
        </Link>
      </header>

      <div className="tiles tiles-wide">
        {dimensionTiles(status).map((tile) => (
          <DimensionTile key={tile.dimension} tile={tile} />
        ))}
      </div>

      <section className="section" aria-labelledby="sla-alerts">
        <h2 id="sla-alerts">Active alerts</h2>
        {alerts.length === 0 ? (
          <p className="muted">None: nothing of {name} is pending or firing.</p>
        ) : (
          <AlertTable alerts={alerts} showSla={false} />
        )}
      </section>

      <section className="section" aria-labelledby="objectives">
        <h2 id="objectives">Objectives and error budgets</h2>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Objective</th>
                <th scope="col" className="num">
                  SLI ({formatWindow(status.windowMs)})
                </th>
                <th scope="col" className="num">
                  Target
                </th>
                <th scope="col" className="num">
                  Budget left
                </th>
                <th scope="col" className="num">
                  Burn rate (1h)
                </th>
              </tr>
            </thead>
            <tbody>
              {status.objectives.map((o) => (
                <tr key={o.slo} className={o.sli !== undefined && o.sli < o.target ? 'breach' : undefined}>
                  <th scope="row">
                    {o.description}
                    {o.evaluatedBy === 'prometheus' ? (
                      <span className="muted small"> (evaluated by Prometheus)</span>
                    ) : null}
                  </th>
                  <td className="num">{formatPercent(o.sli, 3)}</td>
                  <td className="num">{formatTarget(o.target)}</td>
                  <td className="num">{formatPercent(o.errorBudgetRemaining, 1)}</td>
                  <td className="num">{formatBurnRate(o.burnRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {availability !== undefined ? (
          burn.state === 'error' ? (
            <ErrorState error={burn.error} what="the burn-down" onRetry={burn.reload} />
          ) : (
            <SeriesChart
              title={`Availability error budget left (${formatTarget(availability.target)} over ${formatWindow(status.windowMs)})`}
              series={burn.data ? [{ labels: { service: 'budget left' }, points: burn.data.points }] : []}
              format={(v) => formatPercent(v, 1)}
              threshold={{ value: 0, kind: 'min', label: 'budget exhausted at 0%' }}
              fromMs={burn.data?.fromMs ?? now - status.windowMs}
              toMs={burn.data?.toMs ?? now}
              empty={burn.state === 'loading' ? 'Loading…' : 'No requests in the window yet.'}
              note="Counted from the first request in the window; the last point is the budget left now."
            />
          )
        ) : null}
      </section>

      {status.components.length > 0 ? (
        <section className="section" aria-labelledby="budget">
          <h2 id="budget">Latency budget</h2>
          <BudgetChart components={status.components} budget={detail.data?.budget ?? null} />
        </section>
      ) : null}

      <section className="section" aria-labelledby="slis">
        <div className="section-head">
          <h2 id="slis">SLIs over time</h2>
          <nav aria-label="Time range" className="range-picker">
            {Object.keys(RANGES).map((r) => (
              <Link
                key={r}
                to={`/slas/${encodeURIComponent(name)}?range=${r}`}
                aria-current={r === range ? 'page' : undefined}
              >
                {r}
              </Link>
            ))}
          </nav>
        </div>
        {queryErrors.length > 0 ? (
          <p className="banner banner-warning small" role="note">
            Some series could not be loaded: {queryErrors.map(([s, e]) => `${s} (${e!.message})`).join('; ')}
          </p>
        ) : null}
        <div className="charts">
          {status.objectives.some((o) => o.dimension === 'latency') ? (
            <SeriesChart
              title="End-to-end latency P99"
              series={result('latency_quantile')?.series ?? []}
              scale={1000}
              format={formatMs}
              {...(latencyThreshold ? { threshold: latencyThreshold } : {})}
              periods={periods((_, n) => n === 'SLOLatencyBurnRateHigh')}
              empty={emptyText}
              {...chartProps}
              {...(latencyThreshold
                ? {}
                : { note: 'The P99 threshold line needs a latency budget in the SLA.' })}
            />
          ) : null}
          {availability !== undefined ? (
            <SeriesChart
              title="Error ratio"
              series={result('error_ratio')?.series ?? []}
              format={(v) => formatPercent(v, 2)}
              threshold={{
                value: 1 - availability.target,
                kind: 'max',
                label: `error budget ${formatPercent(1 - availability.target, 2)}`,
              }}
              periods={periods((_, n) => n === 'SLOAvailabilityBurnRateHigh')}
              empty={emptyText}
              {...chartProps}
            />
          ) : null}
          {status.freshness.map((f) => (
            <SeriesChart
              key={`age-${f.feature}`}
              title={`Feature age: ${f.feature}`}
              series={subject('feature_age', 'feature', f.feature)}
              format={formatSeconds}
              threshold={{
                value: f.maxAgeSeconds,
                kind: 'max',
                label: `max age ${formatSeconds(f.maxAgeSeconds)}`,
              }}
              periods={periods(
                (l, n) =>
                  (n === 'FeatureStale' || n === 'FeatureFallbackRequired') && l.feature === f.feature,
              )}
              empty={emptyText}
              {...chartProps}
              {...(f.fallbackAfterSeconds !== undefined
                ? { note: `fallback after ${formatSeconds(f.fallbackAfterSeconds)}` }
                : {})}
            />
          ))}
          {status.recall.map((r) => (
            <SeriesChart
              key={`recall-${r.index}`}
              title={`Recall@${r.k}: ${r.index}`}
              series={subject('recall', 'index', r.index)}
              format={(v) => formatPercent(v, 1)}
              threshold={{ value: r.min, kind: 'min', label: `min ${formatTarget(r.min)}` }}
              ratioCeiling
              periods={periods((l, n) => n === 'VectorRecallBelowTarget' && l.index === r.index)}
              empty={emptyText}
              note={`${formatCount(r.probes)} probes in the 10 m window (at least ${r.minProbes} needed to judge)`}
              {...chartProps}
            />
          ))}
        </div>
      </section>

      <section className="section" aria-labelledby="signals">
        <h2 id="signals">Signals</h2>
        <div className="charts">
          {status.components.length > 0 ? (
            <SeriesChart
              title="Component latency P99"
              series={result('component_quantile')?.series ?? []}
              scale={1000}
              format={formatMs}
              periods={periods((_, n) => n === 'LatencyComponentOverBudget')}
              empty={emptyText}
              note="Each component's budget is in the latency budget above."
              {...chartProps}
            />
          ) : null}
          {status.signals.nullRate !== undefined ? (
            <SeriesChart
              title="Null rate per feature"
              series={result('null_rate')?.series ?? []}
              format={(v) => formatPercent(v, 2)}
              periods={periods((_, n) => n === 'FeatureNullRateHigh')}
              empty={emptyText}
              note="The SLA's null-rate limit is not served by the API yet: see the FeatureNullRateHigh rule."
              {...chartProps}
            />
          ) : null}
          {status.signals.drift !== undefined ? (
            <SeriesChart
              title="Drift (PSI against the reference)"
              series={result('drift_psi')?.series ?? []}
              format={(v) => formatNumber(v, 3)}
              periods={periods((_, n) => n === 'DistributionDriftHigh')}
              empty={
                status.signals.drift.length === 0
                  ? 'No drift measured yet: it needs a reference and 100 observations in the last hour.'
                  : emptyText
              }
              note={`Now: ${status.signals.drift.map((d) => `${d.feature} ${formatNumber(d.psi, 3)}`).join(', ') || 'nothing measured'}`}
              {...chartProps}
            />
          ) : null}
          {(status.signals.streams ?? []).map((g) => (
            <SeriesChart
              key={`lag-${g.consumerGroup}`}
              title={`Stream lag: ${g.consumerGroup}`}
              series={subject('stream_lag', 'consumer_group', g.consumerGroup)}
              format={(v) => `${formatCount(v)} msg`}
              periods={periods(
                (l, n) =>
                  (n === 'StreamCatchUpSlow' || n === 'StreamStalled') &&
                  l.consumer_group === g.consumerGroup,
              )}
              empty={emptyText}
              note={
                g.stalled ? 'Stalled: the group is not consuming.' : `lag now ${formatCount(g.lag)} messages`
              }
              {...chartProps}
            />
          ))}
          {(status.signals.streams ?? []).map((g) => (
            <SeriesChart
              key={`catchup-${g.consumerGroup}`}
              title={`Catch-up time: ${g.consumerGroup}`}
              series={subject('catchup_seconds', 'consumer_group', g.consumerGroup)}
              format={formatSeconds}
              threshold={{
                value: maxCatchUp.get(g.consumerGroup) ?? g.maxCatchUpSeconds,
                kind: 'max',
                label: `max ${formatSeconds(g.maxCatchUpSeconds)}`,
              }}
              periods={periods((l, n) => n === 'StreamCatchUpSlow' && l.consumer_group === g.consumerGroup)}
              empty={emptyText}
              note={
                g.catchUpSeconds === null
                  ? 'Not draining: catch-up time is infinite (gaps in the line).'
                  : `now ${formatSeconds(g.catchUpSeconds)}`
              }
              {...chartProps}
            />
          ))}
          {status.recall
            .filter((r) => r.maxTombstoneRatio !== undefined)
            .map((r) => (
              <SeriesChart
                key={`tomb-${r.index}`}
                title={`Tombstone ratio: ${r.index}`}
                series={subject('tombstone_ratio', 'index', r.index)}
                format={(v) => formatPercent(v, 1)}
                threshold={{
                  value: r.maxTombstoneRatio!,
                  kind: 'max',
                  label: `max ${formatTarget(r.maxTombstoneRatio!)}`,
                }}
                periods={periods((l, n) => n === 'VectorTombstoneRatioHigh' && l.index === r.index)}
                empty={emptyText}
                {...chartProps}
              />
            ))}
        </div>
        {status.recall.length > 0 ? (
          <div className="memory">
            <h3>Index memory estimate</h3>
            {memory.state === 'error' && memory.data === undefined ? (
              <ErrorState error={memory.error} what="the index memory estimate" onRetry={memory.reload} />
            ) : memory.data === undefined ? (
              <Loading what="index memory" />
            ) : memory.data.length === 0 ? (
              <p className="muted">
                No estimate: the index reports no dimensions and M (index_stats signals).
              </p>
            ) : (
              <ul className="memory-list">
                {memory.data.map((m) => (
                  <li key={m.labels.index}>
                    <strong>{m.labels.index}</strong>: {formatBytes(m.value)}{' '}
                    <span className="muted small">(vectors × (dimensions × 4 B + M × 8 B), HNSW)</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : null}
      </section>
    </div>
  );
}
