// The realistic SLAs the benchmarks generate (bench:compile, bench:prometheus): every one with a
// six-component latency budget, p99 and p999, availability, two freshness entries, a recall objective
// with a tombstone limit, null rate, drift and a stream-lag objective; every third one (i % 3 === 1) with
// custom PromQL SLIs (`http_requests_total`, `http_request_duration_seconds`, selected by `job`).
import type { SlaSource } from '../server/sla/load.js';

/** A realistic SLA, varied by index: every third one has custom SLIs, all have budgets and signals. */
export function generate(i: number): SlaSource {
  const tier = ['low-latency', 'near-real-time', 'streaming'][i % 3];
  const custom = i % 3 === 1;
  const text = `apiVersion: slactl/v1
kind: SLA
metadata:
  name: service-${i}
  service: svc-${i}
  owner: team-${i % 17}
  tier: ${tier}
  labels: { team: team-${i % 17} }
spec:
  window: ${i % 2 === 0 ? '30d' : '28d'}
  latency:
    p99: ${100 + (i % 5) * 50}ms
    p999: ${400 + (i % 5) * 50}ms
    budget:
      network: 10ms
      feature_retrieval: 15ms
      vector_search: 25ms
      feature_assembly: 5ms
      model_inference: 35ms
      post_processing: 5ms
${custom ? `    sli:\n      histogram: http_request_duration_seconds\n      selector: job="svc-${i}"\n` : ''}  availability:
    objective: ${['99.9%', '99.5%', '99.95%'][i % 3]}
${custom ? `    sli:\n      errors: sum(rate(http_requests_total{job="svc-${i}",code=~"5.."}[{{window}}]))\n      total: sum(rate(http_requests_total{job="svc-${i}"}[{{window}}]))\n` : ''}  freshness:
    - feature: f_${i}_a
      maxAge: 5m
      fallbackAfter: 15m
    - feature: f_${i}_b
      maxAge: 1m
  recall:
    - index: idx-${i}
      k: 10
      min: 0.95
      maxTombstoneRatio: 0.2
  signals:
    nullRate: { max: 2% }
    drift: { psi: 0.2 }
    streamLag:
      - consumerGroup: cg-${i}
        maxCatchUp: 60s
`;
  return { file: `slas/generated-${String(i).padStart(4, '0')}.yaml`, text };
}
