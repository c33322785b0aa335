// The signals the demo sends, typed after the public ingest contract (docs/api.md, "Ingest"). The demo
// builds them by hand rather than importing the collector's schema: it is a client of the API like any
// other service, and a test checks every one against the collector's validator.

interface Base {
  service: string;
  /** ms since the epoch. */
  ts: number;
}

export interface RequestSignal extends Base {
  type: 'request';
  ok: boolean;
  seconds: number;
}

/** Pre-aggregated component latency: non-cumulative counts per upper bound in seconds. */
export interface ComponentLatencySignal extends Base {
  type: 'component_latency';
  component: string;
  buckets: Record<string, number>;
  count: number;
  sum: number;
}

export interface FeatureValueSignal extends Base {
  type: 'feature_value';
  feature: string;
  eventTime: number;
}

export interface NullRateSignal extends Base {
  type: 'null_rate';
  feature: string;
  nulls: number;
  total: number;
}

export interface DistributionSignal extends Base {
  type: 'distribution';
  feature: string;
  values: number[];
  reference?: true;
}

export interface StreamSignal extends Base {
  type: 'stream';
  consumerGroup: string;
  lag: number;
  consumeRate: number;
  produceRate: number;
}

export interface RecallProbeSignal extends Base {
  type: 'recall_probe';
  index: string;
  k: number;
  retrieved: number[];
  exact: number[];
}

export interface IndexStatsSignal extends Base {
  type: 'index_stats';
  index: string;
  vectors: number;
  tombstones: number;
  dimensions: number;
  m: number;
}

export type DemoSignal =
  | RequestSignal
  | ComponentLatencySignal
  | FeatureValueSignal
  | NullRateSignal
  | DistributionSignal
  | StreamSignal
  | RecallProbeSignal
  | IndexStatsSignal;
