// Benchmark: check and compile 1,000 generated SLAs through the function `slactl compile` uses
// (compileSources), and print the figures recorded in docs/benchmarks.md. The in-process runs work in
// memory, with no disk writes; the `slactl compile` runs read and write a temporary folder (removed
// after), and the build writes dist/. Three ways in this process, five runs each: on the main thread
// alone (what `slactl compile` does below MIN_SOURCES_FOR_WORKERS files, and with --jobs 1); with worker
// threads started, warmed up and stopped within each run (what it does above); and with one pool of
// workers kept across the runs, warm like the main thread. Then, as a user meets it, `slactl compile` as
// one process over the files on disk, three times: writing a fresh folder, then finding it current
// (reading and comparing every file), with --check; each of the three is printed with its own time.
// Run with `npm run bench:compile`. It measures the compiled JavaScript that bin/slactl.js
// runs, so it first builds dist/ (`npm run build`; BENCH_BUILD=0 skips that).
// Environment: BENCH_SLAS, BENCH_RUNS, BENCH_JOBS (default: the available parallelism), BENCH_BUILD.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type * as Pool from '../server/cli/compile-pool.js';
import type * as Ir from '../server/compile/ir.js';
import { generate } from './sla-generator.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COUNT = Number(process.env.BENCH_SLAS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

if (process.env.BENCH_BUILD !== '0') {
  process.stderr.write('bench:compile: building dist/ (tsc -p tsconfig.build.json)…\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    process.stderr.write(
      'bench:compile: the build failed; the benchmark measures the compiled CLI in dist/\n',
    );
    process.exit(1);
  }
}
const dist = (file: string): string => new URL(`../dist/${file}`, import.meta.url).href;
const { CompilePool, compileSources, defaultJobs } = (await import(
  dist('cli/compile-pool.js')
)) as typeof Pool;
const { DEFAULT_SETTINGS } = (await import(dist('compile/ir.js'))) as typeof Ir;
const JOBS = Number(process.env.BENCH_JOBS ?? defaultJobs());

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** CPU time the whole machine spent busy so far (Linux), to tell whether others ran during a run. */
function machineBusyMs(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * 10; // USER_HZ is 100 on Linux
}

const sources = Array.from({ length: COUNT }, (_, i) => generate(i));
let files = 0;
let bytes = 0;

interface Run {
  wallMs: number;
  cpuMs: number;
  /** Whether other processes kept a core busy for more than a tenth of the run. */
  disturbed: boolean;
  threads: number;
}

/** Times RUNS calls of compileSources with the given options. */
async function measure(options: Pool.CompileSourcesOptions): Promise<Run[]> {
  const runs: Run[] = [];
  for (let run = 0; run < RUNS; run++) {
    const busy0 = machineBusyMs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { load, outputs, threads } = await compileSources(sources, DEFAULT_SETTINGS, options);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const busy1 = machineBusyMs();
    const othersMs = busy0 === undefined || busy1 === undefined ? 0 : busy1 - busy0 - cpuMs;
    runs.push({ wallMs, cpuMs, disturbed: othersMs > 0.1 * wallMs, threads });
    if (load.slas.length !== COUNT || outputs === undefined) {
      throw new Error(
        `expected ${COUNT} valid SLAs, got ${load.slas.length}: ${JSON.stringify(load.diagnostics[0])}`,
      );
    }
    files = outputs.files.size;
    bytes = [...outputs.files.values()].reduce((n, content) => n + content.length, 0);
  }
  return runs;
}

function line(label: string, runs: readonly Run[]): string {
  const wall = runs.map((r) => r.wallMs);
  const each = runs.map((r) => `${r.wallMs.toFixed(0)}${r.disturbed ? '*' : ''}`).join(' ');
  const cpu = median(runs.map((r) => r.cpuMs)).toFixed(0);
  return `${label.padEnd(34)} ${median(wall).toFixed(0).padStart(5)} ms median  (runs: ${each}; CPU ${cpu} ms, ${runs[0]?.threads ?? 0} threads)`;
}

const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
const out = (text: string): void => void process.stdout.write(`${text}\n`);
out(`bench:compile — validate + compile ${COUNT} generated SLAs, ${RUNS} runs each`);
out(
  `machine: ${cpuModel}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load ${os.loadavg()[0]!.toFixed(2)}`,
);
out(line('one thread (--jobs 1)', await measure({ jobs: 1 })));
if (JOBS > 1) {
  // Below MIN_SOURCES_FOR_WORKERS files a call does not start workers of its own: force them here.
  out(
    line(`--jobs ${JOBS}, workers started per call`, await measure({ jobs: JOBS, minSourcesForWorkers: 0 })),
  );
  const pool = new CompilePool(JOBS - 1);
  try {
    out(line(`--jobs ${JOBS}, pool kept across runs`, await measure({ pool })));
  } finally {
    await pool.close();
  }
}

/** Wall times of `slactl compile` as a process of its own (start-up, reading, compiling, writing). */
function cliRuns(): Array<{ label: string; wallMs: number }> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'slactl-bench-compile-'));
  try {
    const slas = path.join(work, 'slas');
    mkdirSync(slas);
    for (const source of sources) writeFileSync(path.join(slas, path.basename(source.file)), source.text);
    const ways: Array<[label: string, flags: string[]]> = [
      ['into an empty folder', []],
      ['all unchanged', []],
      ['--check', ['--check']],
    ];
    return ways.map(([label, flags]) => {
      const t0 = performance.now();
      // In `work`, so that no slactl.yaml of this repository applies: the defaults, as above.
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'bin/slactl.js'), 'compile', 'slas', '--out', 'alerts', ...flags],
        { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      return { label, wallMs: performance.now() - t0 };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The child's own threads (V8 optimises and collects garbage beside it) make /proc/stat useless for
// telling whether others were busy: the load average is printed instead.
const cli = cliRuns();
out(
  `${'slactl compile, one process each'.padEnd(34)} ${cli.map((r) => `${r.label} ${r.wallMs.toFixed(0)} ms`).join(', ')}  (load ${os
    .loadavg()[0]!
    .toFixed(2)})`,
);
out(
  `output: ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB; * = other processes were busy during the run`,
);
