// GET /api/v1/signals/query (docs/api.md#chart-queries): chart-ready series of one signal of one SLA's
// service; each point is [t (ms, the end of its step), value or null].
import { apiGet, queryString } from './http';

export type QuerySignal =
  | 'request_rate'
  | 'error_ratio'
  | 'latency_quantile'
  | 'component_quantile'
  | 'feature_age'
  | 'null_rate'
  | 'recall'
  | 'tombstone_ratio'
  | 'drift_psi'
  | 'stream_lag'
  | 'catchup_seconds';

export type Point = [number, number | null];

export interface QuerySeries {
  labels: Record<string, string>;
  points: Point[];
}

export interface QueryResult {
  signal: QuerySignal;
  service: string;
  from: number;
  to: number;
  stepMs: number;
  series: QuerySeries[];
}

export interface SignalQuery {
  signal: QuerySignal;
  sla: string;
  fromMs: number;
  toMs: number;
  /** A duration such as `30s`; the server picks about 240 steps without it. */
  step?: string;
  quantile?: number;
}

export async function querySignal(query: SignalQuery, signal?: AbortSignal): Promise<QueryResult> {
  const path = `/api/v1/signals/query${queryString({
    signal: query.signal,
    sla: query.sla,
    from: Math.floor(query.fromMs),
    to: Math.floor(query.toMs),
    step: query.step,
    quantile: query.quantile,
  })}`;
  return (await apiGet<{ data: QueryResult }>(path, signal)).data;
}
