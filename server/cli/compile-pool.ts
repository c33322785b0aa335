// Checks and compiles SLA sources on every core: `slactl compile` and `npm run bench:compile` both come
// through here. The sources are cut into chunks that the main thread and worker threads take in turn;
// each chunk is checked and compiled on its own (compile-chunk.ts), and the results are put together
// exactly as one pass over all sources would give them: same diagnostics in the same order, same files
// byte for byte, same warnings.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hasErrors, sortDiagnostics } from '../lib/diagnostics.js';
import { PROMETHEUS_TARGET, type OutputTarget } from '../compile/emit-operator.js';
import type { CompileSettings } from '../compile/ir.js';
import { assembleOutputs, compileOutputs, type CompiledOutputs } from '../compile/outputs.js';
import { buildPlan } from '../compile/plan.js';
import { checkSlaSources, type LoadResult, type SlaSource } from '../sla/load.js';
import {
  compileChunk,
  revive,
  type ChunkReply,
  type ChunkRequest,
  type ChunkResult,
  type CompiledSla,
} from './compile-chunk.js';
import { UsageError } from './io.js';

/**
 * Below this many files a call that would start its own workers runs on the main thread instead. A fresh
 * worker starts in ~0.2 s and then runs slowly for a second or more while V8 optimises its code again,
 * competing for the cores with the main thread; on the 2-core machine of docs/benchmarks.md that only
 * pays off beyond about 2,000 SLAs (1,000: no faster; 3,000: 13% faster end to end).
 */
export const MIN_SOURCES_FOR_WORKERS = 2000;

/** The same threshold for the warm workers of a pool kept across calls, which pay off much sooner. */
export const MIN_SOURCES_FOR_POOL = 100;

export interface CompileSourcesOptions {
  /** Threads that check and compile, the main one included (default: the available parallelism). */
  jobs?: number;
  /** Workers to use (and leave running) instead of starting jobs − 1 for this call; `jobs` is then ignored. */
  pool?: CompilePool;
  /**
   * Fewer files than this are done on the main thread alone (default MIN_SOURCES_FOR_WORKERS, or
   * MIN_SOURCES_FOR_POOL with a pool).
   */
  minSourcesForWorkers?: number;
  /** Files per chunk (default: about eight chunks per thread, 4 to 32 files each). */
  chunkSize?: number;
  /** What to write: Prometheus rule files (the default) or prometheus-operator resources. */
  target?: OutputTarget;
}

export interface CompileSourcesResult {
  /** What `checkSlaSources` returns for the same sources. */
  load: LoadResult;
  /** The compiled files, or undefined when any source has an error (nothing may be written then). */
  outputs: CompiledOutputs | undefined;
  /** Threads that did the work, the main one included. */
  threads: number;
}

/** The default for `--jobs`: the threads this machine can run at once. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** Reads the value of `--jobs`: a positive whole number of threads. */
export function parseJobs(value: string): number {
  const jobs = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs must be a whole number of threads, 1 or more, got ${JSON.stringify(value)}`);
  }
  return jobs;
}

/** Checks SLA sources and, when none has an error, compiles them, on the main thread and workers. */
export async function compileSources(
  sources: readonly SlaSource[],
  settings: CompileSettings,
  options: CompileSourcesOptions = {},
): Promise<CompileSourcesResult> {
  const target = options.target ?? PROMETHEUS_TARGET;
  const jobs = options.pool === undefined ? (options.jobs ?? defaultJobs()) : options.pool.size + 1;
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  }
  const size = options.chunkSize ?? Math.min(32, Math.max(4, Math.ceil(sources.length / (jobs * 8))));
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${size}`);
  }
  const threshold = Math.max(
    1,
    options.minSourcesForWorkers ??
      (options.pool === undefined ? MIN_SOURCES_FOR_WORKERS : MIN_SOURCES_FOR_POOL),
  );
  if (jobs === 1 || sources.length < threshold) return compileSerially(sources, settings, target);

  const chunks: SlaSource[][] = [];
  for (let i = 0; i < sources.length; i += size) chunks.push(sources.slice(i, i + size));
  // A worker with no chunk to take would only cost its start-up.
  const pool = options.pool ?? new CompilePool(Math.min(jobs - 1, chunks.length - 1));
  let results: ChunkResult[] | undefined;
  try {
    results = await runChunks(chunks, settings, target, pool);
  } finally {
    if (pool !== options.pool) await pool.close();
  }
  const merged =
    results === undefined
      ? undefined
      : mergeChunks(
          sources,
          results.map((r) => r.load),
          results.flatMap((r) => r.compiled),
          settings,
          target,
        );
  // Errors, or one name in two chunks: only a pass over all sources words every diagnostic as it would.
  if (merged === undefined) return compileSerially(sources, settings, target);
  return { ...merged, threads: pool.size + 1 };
}

function compileSerially(
  sources: readonly SlaSource[],
  settings: CompileSettings,
  target: OutputTarget,
): CompileSourcesResult {
  const load = checkSlaSources(sources);
  if (hasErrors(load.diagnostics)) return { load, outputs: undefined, threads: 1 };
  return { load, outputs: compileOutputs(load.slas.map(buildPlan), settings, target), threads: 1 };
}

/**
 * What checking and compiling all sources at once gives, put together from the checks of their chunks (in
 * order) and the compiled SLAs, or undefined when that could differ. Every check but the duplicate-name
 * one looks at one document, so without errors (every named document then valid) and without a name in
 * two chunks, the chunks hold it all.
 */
export function mergeChunks(
  sources: readonly SlaSource[],
  loads: readonly LoadResult[],
  compiled: readonly CompiledSla[],
  settings: CompileSettings,
  target: OutputTarget = PROMETHEUS_TARGET,
): Omit<CompileSourcesResult, 'threads'> | undefined {
  const diagnostics = loads.flatMap((l) => l.diagnostics);
  if (hasErrors(diagnostics)) return undefined;
  const names = new Set<string>();
  for (const l of loads) {
    for (const sla of l.slas) {
      if (names.has(sla.doc.metadata.name)) return undefined;
      names.add(sla.doc.metadata.name);
    }
  }
  const load: LoadResult = {
    slas: loads.flatMap((l) => l.slas),
    // Each chunk's diagnostics are sorted already; a stable sort of them in chunk order gives the
    // order sorting all of them at once would.
    diagnostics: sortDiagnostics(diagnostics),
    files: sources.map((s) => s.file),
  };
  return { load, outputs: assembleOutputs(compiled, settings, target) };
}

/**
 * Does every chunk, on this thread and the pool's workers, and returns the results in chunk order, or
 * undefined once a chunk has an error (nothing will be written). The first failure stops it and is thrown.
 */
async function runChunks(
  chunks: readonly SlaSource[][],
  settings: CompileSettings,
  target: OutputTarget,
  pool: CompilePool,
): Promise<ChunkResult[] | undefined> {
  const results: ChunkResult[] = new Array<ChunkResult>(chunks.length);
  let next = 0;
  let stopped = false;
  const done = (result: ChunkResult): void => {
    if (hasErrors(result.load.diagnostics)) stopped = true;
  };
  const workerLane = async (worker: CompileWorker): Promise<void> => {
    while (!stopped && next < chunks.length) {
      const i = next++;
      done((results[i] = await worker.run(chunks[i]!, settings, target)));
    }
  };
  const mainLane = async (): Promise<void> => {
    // Let the workers' lanes take their first chunks before this thread gets busy.
    await yieldToEvents();
    while (!stopped && next < chunks.length) {
      const i = next++;
      done((results[i] = compileChunk(chunks[i]!, settings, target)));
      // Between chunks, hand the workers their next ones.
      await yieldToEvents();
    }
  };
  try {
    // Two lanes per worker: one chunk waits at the worker while it does the other, so it never idles
    // while this thread is busy with a chunk of its own.
    await Promise.all([...workersOf(pool).flatMap((w) => [workerLane(w), workerLane(w)]), mainLane()]);
  } catch (error) {
    stopped = true;
    throw error;
  }
  return stopped ? undefined : results;
}

function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// A pool's workers, for this module only.
const WORKERS = new WeakMap<CompilePool, CompileWorker[]>();

function workersOf(pool: CompilePool): CompileWorker[] {
  return WORKERS.get(pool) ?? [];
}

/**
 * Worker threads that check and compile chunks of SLA files. compileSources starts and stops one per call unless given one;
 * a process that compiles again and again (a benchmark, a server) can keep one, warm, across calls.
 */
export class CompilePool {
  readonly size: number;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`a compile pool needs 0 or more workers, got ${size}`);
    }
    this.size = size;
    WORKERS.set(
      this,
      Array.from({ length: size }, () => new CompileWorker()),
    );
  }

  /** Stops the workers; chunks still pending fail. */
  async close(): Promise<void> {
    await Promise.all(workersOf(this).map((w) => w.close()));
  }
}

/**
 * How to start a worker: the compiled JavaScript beside this file, or, when running from TypeScript
 * (tsx, vitest), a bootstrap that registers tsx's loader in the worker and then imports the TypeScript
 * entry (Node 20 neither hands a thread's loader hooks to its workers nor loads a .ts worker entry).
 */
function workerEntry(): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) {
    return { script: new URL('./compile-worker.js', import.meta.url), eval: false };
  }
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./compile-worker.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return { script, eval: true };
}

/** One worker thread and the chunks it has been sent. */
class CompileWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (result: ChunkResult) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  private closed = false;

  constructor() {
    const entry = workerEntry();
    this.worker = new Worker(entry.script, { eval: entry.eval });
    // An idle worker (a pool kept across calls) must not keep the process alive; a busy one must.
    this.worker.unref();
    this.worker.on('message', (reply: ChunkReply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('error' in reply) waiting.reject(new Error(`compile worker failed: ${reply.error}`));
      else waiting.resolve(revive(reply.result));
    });
    this.worker.on('error', (error) =>
      this.failAll(new Error(`compile worker failed: ${error.stack ?? error.message}`)),
    );
    this.worker.on('exit', (code) => this.failAll(new Error(`compile worker exited with code ${code}`)));
  }

  /** Checks and compiles a chunk on the worker. */
  run(sources: SlaSource[], settings: CompileSettings, target: OutputTarget): Promise<ChunkResult> {
    if (this.closed) return Promise.reject(new Error('compile worker is stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      const request: ChunkRequest = { id, sources, settings, target };
      try {
        this.worker.postMessage(request);
      } catch (error) {
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops the worker; chunks still pending fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.failAll(new Error('compile worker was stopped'));
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    this.closed = true;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}
