// Benchmark of the control plane (npm run bench:server), recorded in docs/benchmarks.md. In one run,
// side by side on the same machine and load generator:
//   1. slactl ingest (`slactl serve --no-demo`, a real process): signals/s, request latency and the
//      server's CPU time per signal with batches of 1,000 signals;
//   2. the ceiling: a bare Node HTTP server that only parses the same bodies;
//   3. Prometheus Pushgateway (Debian's prometheus-pushgateway) receiving the equivalent samples;
//   4. evaluation time per cycle for 100 and 1,000 SLAs, and resident memory.
// Environment: BENCH_SECONDS (per target, default 10), BENCH_CLIENTS (default 8), BENCH_ONLY
// (`ingest` or `evaluation`: run one half, for profiling; recorded figures come from full runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SETTINGS } from '../server/compile/ir.js';
import { buildPlan } from '../server/compile/plan.js';
import { ManualClock } from '../server/lib/clock.js';
import { checkSlaSources } from '../server/sla/load.js';
import { openStore } from '../server/store/store.js';
import { Collector } from '../server/collector/ingest.js';
import { SignalReader } from '../server/collector/derived.js';
import { Evaluator } from '../server/evaluate/evaluator.js';

const REPO = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BATCH = 1000;
const ONLY = process.env.BENCH_ONLY ?? '';
if (!['', 'ingest', 'evaluation'].includes(ONLY)) {
  throw new Error(`BENCH_ONLY must be ingest or evaluation, got ${JSON.stringify(ONLY)}`);
}

// ---------------------------------------------------------------------------------------------------
// Load: the same batches for every target.

const SERVICES = ['recs-api', 'search-api', 'fraud-api'];

/** A realistic batch: mostly requests and component latencies, some pipeline and index signals. */
function signalBatch(seed: number, now: number): object[] {
  const out: object[] = [];
  for (let i = 0; i < BATCH; i++) {
    const service = SERVICES[(seed + i) % SERVICES.length]!;
    const r = (i * 7919 + seed * 104729) % 1000;
    const ts = now;
    if (r < 600)
      out.push({ type: 'request', service, ok: r % 997 !== 0, seconds: 0.02 + (r % 80) / 1000, ts });
    else if (r < 850)
      out.push({
        type: 'component_latency',
        service,
        component: ['network', 'feature_retrieval', 'vector_search', 'model_inference'][r % 4],
        seconds: (r % 40) / 1000,
        ts,
      });
    else if (r < 900)
      out.push({ type: 'feature_value', service, feature: `f${r % 5}`, eventTime: now - 2000, ts });
    else if (r < 950)
      out.push({ type: 'null_rate', service, feature: `f${r % 5}`, nulls: r % 3, total: 100, ts });
    else if (r < 980)
      out.push({
        type: 'stream',
        service,
        consumerGroup: 'feature-pipeline',
        lag: r,
        consumeRate: 900,
        produceRate: 850,
        ts,
      });
    else
      out.push({
        type: 'recall_probe',
        service,
        index: 'products',
        k: 10,
        retrieved: [1, 2, 3, 4, 5, 6, 7, 8, 9, 11],
        exact: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        ts,
      });
  }
  return out;
}

/** The same number of samples as Prometheus text for the Pushgateway: one line per signal. */
function pushBody(seed: number): string {
  const lines = ['# TYPE bench_signal_value gauge'];
  for (let i = 0; i < BATCH; i++) {
    const service = SERVICES[(seed + i) % SERVICES.length]!;
    lines.push(`bench_signal_value{service="${service}",series="s${i}"} ${(i * 7919) % 1000}`);
  }
  return `${lines.join('\n')}\n`;
}

interface LoadResult {
  requests: number;
  items: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time of the server process (all its threads) per item in the measured phase, µs. */
  cpuPerItemUs: number;
}

// Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ, the same on every common kernel).
const TICK_US = 10_000;

/** User + system CPU time of a process so far, in µs (from /proc/<pid>/stat). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at `) `: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/**
 * CLIENTS keep-alive clients POSTing pre-built bodies back to back for SECONDS; the server's CPU time
 * (process `pid`) is read around the measured phase. The wall-clock rate depends on what else runs on
 * the machine, the CPU time per item much less.
 */
async function load(target: {
  port: number;
  pid: number;
  path: string;
  headers: Record<string, string>;
  bodies: string[];
  method?: string;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let errors = 0;
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: target.path,
          method: target.method ?? 'POST',
          agent,
          headers: { ...target.headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  // Warm up (JIT, connection set-up), then measure.
  const warmEnd = performance.now() + 2000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < warmEnd; i++)
        await post(target.bodies[(c + i) % target.bodies.length]!);
    }),
  );
  const cpuStart = cpuUs(target.pid);
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        const status = await post(target.bodies[(c + i) % target.bodies.length]!);
        if (status >= 300) errors++;
        else latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuUs(target.pid) - cpuStart;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    items: latencies.length * BATCH,
    seconds,
    p50: q(0.5),
    p99: q(0.99),
    errors,
    cpuPerItemUs: cpu / Math.max(1, latencies.length * BATCH),
  };
}

async function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<RegExpExecArray> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 30 s:\n${text}`)), 30_000);
    child[stream]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${text}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function rssMiB(pid: number): number {
  // /proc/<pid>/status VmRSS, in kB.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function benchSlactl(): Promise<LoadResult & { rss: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-bench-'));
  const child = spawn(
    process.execPath,
    [path.join(REPO, 'bin/slactl.js'), 'serve', '--port', '0', '--no-demo', '--data-dir', dir],
    {
      cwd: REPO,
      env: { ...process.env, SLACTL_LOG_LEVEL: 'warn' },
    },
  );
  try {
    const m = await waitForLine(
      child,
      /running at http:\/\/127\.0\.0\.1:(\d+)[\s\S]*Admin token \([^)]*\): (\S+)/,
    );
    const port = Number(m[1]);
    const token = m[2]!;
    const now = Date.now();
    const bodies = Array.from({ length: 16 }, (_, i) => JSON.stringify({ signals: signalBatch(i, now) }));
    const result = await load({
      port,
      pid: child.pid!,
      path: '/api/v1/signals',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      bodies,
    });
    return { ...result, rss: rssMiB(child.pid!) };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchBare(): Promise<LoadResult> {
  const child = spawn(process.execPath, [path.join(REPO, 'bench/bare-server.mjs')]);
  try {
    const port = Number((await waitForLine(child, /listening (\d+)/))[1]);
    const now = Date.now();
    const bodies = Array.from({ length: 16 }, (_, i) => JSON.stringify({ signals: signalBatch(i, now) }));
    return await load({
      port,
      pid: child.pid!,
      path: '/',
      headers: { 'content-type': 'application/json' },
      bodies,
    });
  } finally {
    await stopChild(child);
  }
}

async function benchPushgateway(): Promise<LoadResult | undefined> {
  const bin = '/usr/bin/prometheus-pushgateway';
  if (!existsSync(bin)) return undefined;
  const port = 19091 + Math.floor(Math.random() * 500);
  const child = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
  try {
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/-/ready`);
        if (res.ok) break;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const bodies = Array.from({ length: 16 }, (_, i) => pushBody(i));
    // POST replaces only the pushed metric names of the group, as repeated pushes of a job would.
    return await load({
      port,
      pid: child.pid!,
      path: '/metrics/job/bench',
      headers: { 'content-type': 'text/plain; version=0.0.4' },
      bodies,
    });
  } finally {
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------------------
// Evaluation: in-process, N generated SLAs with 30 minutes of data each.

function slaText(i: number): string {
  return `apiVersion: slactl/v1
kind: SLA
metadata: { name: sla-${i}, service: svc-${i}, tier: low-latency }
spec:
  window: 30d
  latency:
    p99: 100ms
    p999: 250ms
    budget: { network: 10ms, feature_retrieval: 15ms, vector_search: 25ms, model_inference: 35ms, post_processing: 5ms }
  availability: { objective: 99.9% }
  freshness:
    - { feature: f_a, maxAge: 5m, fallbackAfter: 15m }
  recall:
    - { index: products, k: 10, min: 0.95, maxTombstoneRatio: 0.2 }
  signals:
    nullRate: { max: 2% }
    drift: { psi: 0.2 }
    streamLag:
      - { consumerGroup: pipeline, maxCatchUp: 60s }
`;
}

function benchEvaluation(count: number): { median: number; p99: number; rss: number } {
  const loaded = checkSlaSources(
    Array.from({ length: count }, (_, i) => ({ file: `sla-${i}.yaml`, text: slaText(i) })),
  );
  const plans = loaded.slas.map(buildPlan);
  const start = Date.UTC(2026, 10, 22);
  const clock = new ManualClock(start);
  const store = openStore({ path: ':memory:' });
  const collector = new Collector({ store, clock, plans });
  const reader = new SignalReader(store);
  const evaluator = new Evaluator({ plans, settings: DEFAULT_SETTINGS, store, reader });
  // 30 minutes of one-minute batches for every service.
  for (let minute = 0; minute < 30; minute++) {
    clock.set(start + minute * 60_000);
    const ts = clock.now();
    for (let i = 0; i < count; i++) {
      const service = `svc-${i}`;
      const signals: object[] = [];
      for (let r = 0; r < 20; r++)
        signals.push({ type: 'request', service, ok: r !== 7, seconds: 0.02 + r / 400, ts });
      for (const component of [
        'network',
        'feature_retrieval',
        'vector_search',
        'model_inference',
        'post_processing',
      ])
        signals.push({ type: 'component_latency', service, component, seconds: 0.004, ts });
      signals.push({ type: 'feature_value', service, feature: 'f_a', eventTime: ts - 1000, ts });
      signals.push({ type: 'null_rate', service, feature: 'f_a', nulls: 1, total: 100, ts });
      signals.push({
        type: 'recall_probe',
        service,
        index: 'products',
        k: 10,
        retrieved: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        exact: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        ts,
      });
      signals.push({ type: 'index_stats', service, index: 'products', vectors: 1e6, tombstones: 1e4, ts });
      signals.push({
        type: 'stream',
        service,
        consumerGroup: 'pipeline',
        lag: 100,
        consumeRate: 1000,
        produceRate: 900,
        ts,
      });
      collector.ingestSignals(signals);
    }
  }
  const times: number[] = [];
  for (let cycle = 0; cycle < 21; cycle++) {
    clock.set(start + 30 * 60_000 + cycle * 15_000);
    const t0 = performance.now();
    evaluator.evaluate(clock.now());
    if (cycle > 0) times.push(performance.now() - t0); // the first cycle resolves series; report steady state
  }
  times.sort((a, b) => a - b);
  const rss = process.memoryUsage().rss / 2 ** 20;
  store.close();
  return { median: times[Math.floor(times.length / 2)]!, p99: times[times.length - 1]!, rss };
}

// ---------------------------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const out = (text: string): void => void process.stdout.write(`${text}\n`);

async function benchIngest(): Promise<void> {
  const slactl = await benchSlactl();
  const bare = await benchBare();
  const pushgateway = await benchPushgateway();
  out('| target | items/s | requests/s | p50 | p99 | server CPU per item | errors |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const row = (name: string, r: LoadResult) =>
    out(
      `| ${name} | ${fmt(r.items / r.seconds)} | ${fmt(r.requests / r.seconds)} | ${fmt(r.p50, 1)} ms | ${fmt(r.p99, 1)} ms | ${fmt(r.cpuPerItemUs, 2)} µs | ${r.errors} |`,
    );
  row('slactl `POST /api/v1/signals`', slactl);
  row('bare Node server, JSON.parse only (ceiling)', bare);
  if (pushgateway) row('Pushgateway, same number of samples', pushgateway);
  else out('| Pushgateway | not installed (apt-get install prometheus-pushgateway) | | | | | |');
  out(
    `\nslactl: ${fmt(slactl.items / slactl.seconds / (bare.items / bare.seconds), 2)}× the ceiling` +
      (pushgateway
        ? `, ${fmt(slactl.items / slactl.seconds / (pushgateway.items / pushgateway.seconds), 2)}× Pushgateway`
        : '') +
      `; signals per server CPU second ${fmt(bare.cpuPerItemUs / slactl.cpuPerItemUs, 2)}× the ceiling` +
      `; server RSS after the run ${fmt(slactl.rss)} MiB\n`,
  );
}

async function main(): Promise<void> {
  out(`# slactl server benchmark — ${new Date().toISOString()}`);
  out(
    `machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  out(
    `method: ${CLIENTS} keep-alive clients, batches of ${BATCH}, ${SECONDS} s per target after 2 s warm-up, one run, same load generator\n`,
  );

  if (ONLY !== 'evaluation') await benchIngest();
  if (ONLY === 'ingest') return;
  out('| SLAs | evaluation cycle (median) | slowest of 20 | process RSS |');
  out('| ---: | ---: | ---: | ---: |');
  for (const count of [100, 1000]) {
    const r = benchEvaluation(count);
    out(`| ${fmt(count)} | ${fmt(r.median, 1)} ms | ${fmt(r.p99, 1)} ms | ${fmt(r.rss)} MiB |`);
  }
}

await main();
