// Metric names the collector exports and the compiled rules query. This is a public contract, documented
// in docs/metrics.md: renaming one breaks every user's dashboards and rules.

export const METRICS = {
  /** Counter of all requests, labels {service}. */
  requests: 'slactl_requests_total',
  /** Counter of failed requests (ok=false), labels {service}. */
  requestErrors: 'slactl_request_errors_total',
  /** Histogram of end-to-end request latency in seconds, labels {service}. */
  requestDuration: 'slactl_request_duration_seconds',
  /** Histogram of per-component latency in seconds, labels {service, component}. */
  componentLatency: 'slactl_component_latency_seconds',
  /** Gauge: seconds since the newest event time seen for a feature, labels {service, feature}. */
  featureAge: 'slactl_feature_age_seconds',
  /** Counter of feature lookups, labels {service, feature}. */
  featureLookups: 'slactl_feature_lookups_total',
  /** Counter of lookups that returned null, labels {service, feature}. */
  featureNulls: 'slactl_feature_nulls_total',
  /** Gauge: PSI of the current window against the reference, labels {service, feature}. */
  driftPsi: 'slactl_distribution_psi',
  /** Gauge: Jensen-Shannon distance of the current window against the reference, labels {service, feature}. */
  driftJs: 'slactl_distribution_js_distance',
  /** Gauge: consumer lag in messages, labels {service, consumer_group}. */
  streamLag: 'slactl_stream_lag_messages',
  /** Gauge: messages consumed per second, labels {service, consumer_group}. */
  streamConsumeRate: 'slactl_stream_consume_rate',
  /** Gauge: messages produced per second, labels {service, consumer_group}. */
  streamProduceRate: 'slactl_stream_produce_rate',
  /** Gauge: lag / (consume − produce) in seconds; +Inf when the lag is not draining, labels {service, consumer_group}. */
  streamCatchUp: 'slactl_stream_catchup_seconds',
  /** Counter of recall probes, labels {service, index, k}. */
  recallProbes: 'slactl_recall_probes_total',
  /** Counter of exact top-k ids the ANN search also returned, summed over probes, labels {service, index, k}. */
  recallHits: 'slactl_recall_hits_total',
  /** Counter of exact top-k ids expected (k per probe), labels {service, index, k}. */
  recallExpected: 'slactl_recall_expected_total',
  /** Gauge: vectors stored in the index, tombstoned ones included, labels {service, index}. */
  indexVectors: 'slactl_index_vectors',
  /** Gauge: tombstoned (deleted, not yet compacted) vectors, labels {service, index}. */
  indexTombstones: 'slactl_index_tombstones',
} as const;

/** Names of the recording rules the compiled rule files define. */
export const RECORDED = {
  /** Error ratio of an objective over a window, labels {sla, service, slo}; name suffix is the window. */
  errorRatio: (window: string) => `slactl:sli_error_ratio:rate${window}`,
  /** The objective's target (e.g. 0.999), labels {sla, service, slo}. */
  objective: 'slactl:slo_objective:ratio',
  /** Share of the error budget left over the SLA window, labels {sla, service, slo}. */
  budgetRemaining: 'slactl:slo_error_budget_remaining:ratio',
} as const;
