// One chunk of SLA files checked and compiled on its own: the unit of work of `slactl compile`, done on
// the main thread or on a worker (compile-worker.ts). Everything here crosses threads by structured clone.
import { hasErrors } from '../lib/diagnostics.js';
import { PROMETHEUS_TARGET, type OutputTarget } from '../compile/emit-operator.js';
import type { CompileSettings, SlaPlan } from '../compile/ir.js';
import { compileSla, type SlaOutputs } from '../compile/outputs.js';
import { buildPlan } from '../compile/plan.js';
import { checkSlaSources, type LoadResult, type SlaSource } from '../sla/load.js';

/** One SLA's plan and files. */
export interface CompiledSla {
  plan: SlaPlan;
  outputs: SlaOutputs;
}

/** A chunk checked and, when it has no errors, compiled. */
export interface ChunkResult {
  load: LoadResult;
  /** Every valid SLA of the chunk with its files, in load order; empty when the chunk has errors. */
  compiled: CompiledSla[];
}

/** What the main thread sends a worker: one chunk to do. */
export interface ChunkRequest {
  id: number;
  sources: SlaSource[];
  settings: CompileSettings;
  target: OutputTarget;
}

/** What a worker answers: the chunk's result, or the error it threw (a bug: shown as an internal error). */
export type ChunkReply = { id: number; result: ChunkResult } | { id: number; error: string };

/**
 * Checks a chunk of sources and compiles its SLAs. A chunk with errors is not compiled: nothing is written
 * when any file has an error, so the work would be thrown away.
 */
export function compileChunk(
  sources: readonly SlaSource[],
  settings: CompileSettings,
  target: OutputTarget = PROMETHEUS_TARGET,
): ChunkResult {
  const load = checkSlaSources(sources);
  if (hasErrors(load.diagnostics)) return { load, compiled: [] };
  const compiled = load.slas.map((sla) => {
    const plan = buildPlan(sla);
    return { plan, outputs: compileSla(plan, settings, target) };
  });
  return { load, compiled };
}

/** The memory of a chunk's files, which a worker hands over with its answer rather than copying it. */
export function transferables(result: ChunkResult): ArrayBuffer[] {
  return result.compiled.flatMap(({ outputs }) =>
    outputs.files.map(([, bytes]) => bytes.buffer as ArrayBuffer),
  );
}

/**
 * A chunk's result as a worker's answer delivers it: its files' contents arrive as plain Uint8Arrays
 * (structured clone does not keep Buffer's class), made Buffers again here without copying.
 */
export function revive(result: ChunkResult): ChunkResult {
  for (const { outputs } of result.compiled) {
    outputs.files = outputs.files.map(([name, bytes]) => {
      const raw: Uint8Array = bytes;
      return [name, Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)];
    });
  }
  return result;
}
