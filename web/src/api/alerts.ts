// GET /api/v1/alerts: active alerts in the shape of Prometheus' alerts API
// (https://prometheus.io/docs/prometheus/latest/querying/api/#alerts): RFC 3339 `activeAt`, the value
// as a string. The event stream sends the evaluator's own shape instead (events.ts).
import { apiGet } from './http';

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export async function fetchAlerts(signal?: AbortSignal): Promise<PrometheusAlert[]> {
  return (await apiGet<{ status: string; data: { alerts: PrometheusAlert[] } }>('/api/v1/alerts', signal))
    .data.alerts;
}
