// Benchmark: validate and compile 1,000 generated SLAs, end to end in memory (no disk writes), and
// print the figures recorded in docs/benchmarks.md. Run with `npm run bench:compile`.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SETTINGS } from '../server/compile/ir.js';
import { compileOutputs } from '../server/compile/outputs.js';
import { buildPlan } from '../server/compile/plan.js';
import { checkSlaSources, type SlaSource } from '../server/sla/load.js';

const COUNT = Number(process.env.BENCH_SLAS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A realistic SLA, varied by index: every third one has custom SLIs, all have budgets and signals. */
function generate(i: number): SlaSource {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const sources = Array.from({ length: COUNT }, (_, i) => generate(i));
const validateMs: number[] = [];
const compileMs: number[] = [];
let files = 0;
let bytes = 0;
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const result = checkSlaSources(sources);
  const t1 = performance.now();
  if (result.slas.length !== COUNT) {
    throw new Error(
      `expected ${COUNT} valid SLAs, got ${result.slas.length}: ${JSON.stringify(result.diagnostics[0])}`,
    );
  }
  const outputs = compileOutputs(result.slas.map(buildPlan), DEFAULT_SETTINGS);
  const t2 = performance.now();
  validateMs.push(t1 - t0);
  compileMs.push(t2 - t1);
  files = outputs.files.size;
  bytes = [...outputs.files.values()].reduce((n, text) => n + text.length, 0);
}
const total = validateMs.map((v, i) => v + compileMs[i]!);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  [
    `bench:compile — ${COUNT} generated SLAs, ${RUNS} runs, median`,
    `machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    `validate:           ${median(validateMs).toFixed(0)} ms`,
    `plan + emit:        ${median(compileMs).toFixed(0)} ms (${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB)`,
    `validate + compile: ${median(total).toFixed(0)} ms (min ${Math.min(...total).toFixed(0)}, max ${Math.max(...total).toFixed(0)})`,
    '',
  ].join('\n'),
);
