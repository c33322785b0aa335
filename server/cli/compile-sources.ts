// Reading SLA files for `slactl compile`, apart from checking them, so that the checking can be spread
// over threads (compile-pool.ts). The same steps as loadSlaFiles in sla/load.ts, which reads and checks
// in one go.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../lib/diagnostics.js';
import { findSlaFiles, type SlaSource } from '../sla/load.js';

/**
 * Reads the SLA files under the given files and folders. Paths are resolved against `cwd` and shown as
 * given; a missing path is a diagnostic, not an exception.
 */
export async function readSlaSources(
  paths: readonly string[],
  cwd: string,
): Promise<{ sources: SlaSource[]; missing: Diagnostic[] }> {
  const missing: Diagnostic[] = [];
  const existing: string[] = [];
  for (const p of paths) {
    try {
      await stat(path.resolve(cwd, p));
      existing.push(p);
    } catch {
      missing.push({
        code: 'file_not_found',
        severity: 'error',
        message: 'no such file or directory',
        file: p,
        path: '',
        line: 1,
        column: 1,
      });
    }
  }
  const files = await findSlaFiles(existing, cwd);
  // Synchronously: many small files are read several times faster so than through the thread pool.
  const sources = files.map((file) => ({ file, text: readFileSync(path.resolve(cwd, file), 'utf8') }));
  return { sources, missing };
}
