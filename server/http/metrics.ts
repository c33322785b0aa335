// The server's own Prometheus metrics (prom-client), served on /metrics beside the collected signals.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  signalsAccepted: Counter<'source'>;
  ingestRejected: Counter<'code'>;
  evaluationDuration: Histogram;
  evaluationErrors: Counter;
  alertsActive: Gauge<'state'>;
  seriesStored: Gauge;
  sseClients: Gauge;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  // prom-client's names already say what they are (`process_cpu_seconds_total`, `nodejs_heap_size_…`).
  collectDefaultMetrics({ register: registry, prefix: 'slactl_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'slactl_http_request_duration_seconds',
      help: 'HTTP requests served by the control plane, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    signalsAccepted: new Counter({
      name: 'slactl_ingest_signals_accepted_total',
      help: 'Signals accepted by the collector, by source (api, otlp)',
      labelNames: ['source'],
      registers: [registry],
    }),
    ingestRejected: new Counter({
      name: 'slactl_ingest_requests_rejected_total',
      help: 'Ingest requests answered with an error, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    evaluationDuration: new Histogram({
      name: 'slactl_evaluation_duration_seconds',
      help: 'Time of one evaluation cycle over every SLA',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers: [registry],
    }),
    evaluationErrors: new Counter({
      name: 'slactl_evaluation_errors_total',
      help: 'Evaluation cycles (or SLAs within one) that failed',
      registers: [registry],
    }),
    alertsActive: new Gauge({
      name: 'slactl_alerts_active',
      help: 'Alerts pending or firing in the embedded evaluator',
      labelNames: ['state'],
      registers: [registry],
    }),
    seriesStored: new Gauge({
      name: 'slactl_store_series',
      help: 'Signal series in the store',
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'slactl_sse_clients',
      help: 'Connected Server-Sent Events clients',
      registers: [registry],
    }),
  };
}
