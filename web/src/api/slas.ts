// GET /api/v1/slas and GET /api/v1/slas/:name (docs/api.md#sla-status). The status shape is the
// evaluator's own type; JSON turns its infinite numbers (a catch-up time that never drains) into null.
import type {
  ComponentStatus,
  Dimension,
  DimensionHealth,
  FreshnessStatus,
  Health,
  ObjectiveStatus,
  RecallStatus,
  SlaStatus as ServerSlaStatus,
  StreamStatus as ServerStreamStatus,
} from '../../../server/evaluate/types';
import type { PrometheusAlert } from './alerts';
import { apiGet } from './http';

export type {
  ComponentStatus,
  Dimension,
  DimensionHealth,
  FreshnessStatus,
  Health,
  ObjectiveStatus,
  RecallStatus,
};

/** A stream's catch-up time is `null` in JSON when the lag does not drain (Infinity on the server). */
export type StreamStatus = Omit<ServerStreamStatus, 'catchUpSeconds'> & { catchUpSeconds?: number | null };

export type DriftStatus = { feature: string; psi: number | null; js: number | null };

/** One SLA's status as `/api/v1/slas` and the `status` events send it. */
export type SlaStatus = Omit<ServerSlaStatus, 'signals'> & {
  signals: {
    nullRate?: Array<{ feature: string; rate: number }>;
    drift?: DriftStatus[];
    streams?: StreamStatus[];
  };
};

export interface SlasResponse {
  data: SlaStatus[];
  /** RFC 3339 time of the last evaluation, null before the first. */
  evaluatedAt: string | null;
}

export interface BudgetRow {
  component: string;
  budgetMs: number;
  shareOfP99: number;
  cumulativeMs: number;
  headroomMs: number;
}

export interface LatencyBudget {
  p99Ms: number;
  rows: BudgetRow[];
  totalMs: number;
  headroomMs: number;
}

/** `/api/v1/slas/:name`: the status plus where the SLA is defined, its labels, budget and alerts. */
export type SlaDetail = SlaStatus & {
  source: { file: string; line?: number };
  labels: Record<string, string>;
  budget: LatencyBudget | null;
  alerts: PrometheusAlert[];
};

export function fetchSlas(signal?: AbortSignal): Promise<SlasResponse> {
  return apiGet<SlasResponse>('/api/v1/slas', signal);
}

export async function fetchSla(name: string, signal?: AbortSignal): Promise<SlaDetail> {
  return (await apiGet<{ data: SlaDetail }>(`/api/v1/slas/${encodeURIComponent(name)}`, signal)).data;
}
