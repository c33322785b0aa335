// `slactl compile [paths…] [--out alerts/] [--check] [--config slactl.yaml] [--jobs N]`
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hasErrors, sortDiagnostics } from '../lib/diagnostics.js';
import { isGeneratedName } from '../compile/outputs.js';
import { checkSlaSources } from '../sla/load.js';
import { compileSources, type CompileSourcesResult } from './compile-pool.js';
import { readSlaSources } from './compile-sources.js';
import { displayPaths, loadCompileSettings } from './project.js';
import { countLine, renderDiagnostics } from './render.js';
import type { Io } from './io.js';

export interface CompileOptions {
  paths: string[];
  out: string;
  check: boolean;
  config?: string;
  /** Threads that check and compile, the main one included (default: the available parallelism). */
  jobs?: number;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function listGenerated(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isGeneratedName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Compiles SLAs into the output folder, or with --check reports every stale or missing file. */
export async function compileCommand(io: Io, options: CompileOptions): Promise<number> {
  const settings = await loadCompileSettings(io, options.config);
  if (!settings.ok) {
    io.err(renderDiagnostics(settings.diagnostics));
    return 1;
  }
  const { sources, missing } = await readSlaSources(displayPaths(io, options.paths), io.cwd);
  // A missing path fails the command: check the files that are there, for their diagnostics, and stop.
  const { load, outputs }: Omit<CompileSourcesResult, 'threads'> =
    missing.length > 0
      ? { load: checkSlaSources(sources), outputs: undefined }
      : await compileSources(
          sources,
          settings.settings,
          options.jobs === undefined ? {} : { jobs: options.jobs },
        );
  const diagnostics = sortDiagnostics([...missing, ...load.diagnostics]);
  if (outputs === undefined || hasErrors(diagnostics)) {
    io.err(renderDiagnostics(diagnostics));
    io.err(`nothing written: ${countLine(diagnostics)}\n`);
    return 1;
  }
  io.err(renderDiagnostics(diagnostics));
  for (const warning of outputs.warnings) io.err(`warning: ${warning}\n`);

  const outDir = path.resolve(io.cwd, options.out);
  const shownDir = path.relative(io.cwd, outDir) || '.';
  const existing = await listGenerated(outDir);
  const extra = existing.filter((name) => !outputs.files.has(name));

  if (options.check) {
    const problems: string[] = [];
    for (const [name, content] of outputs.files) {
      const current = await readIfExists(path.join(outDir, name));
      if (current === undefined) problems.push(`missing: ${path.join(shownDir, name)}`);
      else if (current !== content) problems.push(`stale:   ${path.join(shownDir, name)}`);
    }
    for (const name of extra) problems.push(`orphan:  ${path.join(shownDir, name)} (no SLA compiles to it)`);
    if (problems.length > 0) {
      io.err(
        `${problems.join('\n')}\n${shownDir}/ is out of date with the SLAs: run \`slactl compile --out ${shownDir}\` and commit the result\n`,
      );
      return 1;
    }
    io.out(`${shownDir}/ is up to date (${outputs.files.size} files)\n`);
    return 0;
  }

  await mkdir(outDir, { recursive: true });
  let written = 0;
  for (const [name, content] of outputs.files) {
    const target = path.join(outDir, name);
    if ((await readIfExists(target)) === content) continue;
    // Write beside the target and rename, so a reader never sees half a file.
    const temp = path.join(outDir, `.${name}.${process.pid}.tmp`);
    await writeFile(temp, content);
    await rename(temp, target);
    written++;
  }
  for (const name of extra) await rm(path.join(outDir, name));
  const removed = extra.length > 0 ? `, removed ${extra.length} orphaned` : '';
  io.out(
    `compiled ${load.slas.length} SLA${load.slas.length === 1 ? '' : 's'} into ${shownDir}/: ${written} written, ${outputs.files.size - written} unchanged${removed}\n`,
  );
  return 0;
}
