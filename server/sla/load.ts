// Loads SLA files: YAML with positions, schema validation, cross-field and cross-file checks.
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../lib/diagnostics.js';
import { formatPath, offsetOf, positionAt, yamlDiagnostic, type SourceDoc } from './positions.js';
import { slaSchema, type SlaDocument } from './schema.js';
import { semanticChecks } from './semantic.js';
import { issuesToDiagnostics } from './zod-diagnostics.js';

/** One valid SLA document and where it came from. */
export interface LoadedSla {
  file: string;
  /** Line of the document's `metadata.name` (or its start). */
  line: number;
  doc: SlaDocument;
}

export interface LoadResult {
  slas: LoadedSla[];
  diagnostics: Diagnostic[];
  files: string[];
}

/** A file's name (as shown in diagnostics) and text. */
export interface SlaSource {
  file: string;
  text: string;
}

/** Checks SLA sources (already read) and returns the valid documents and every diagnostic. */
export function checkSlaSources(sources: readonly SlaSource[]): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const slas: LoadedSla[] = [];
  const names = new Map<string, { file: string; line: number; column: number }>();

  for (const { file, text } of sources) {
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    if (docs.length === 0 || docs.every((d) => d.contents === null && d.errors.length === 0)) {
      diagnostics.push({
        code: 'empty_file',
        severity: 'warning',
        message: 'the file holds no SLA documents',
        file,
        path: '',
        line: 1,
        column: 1,
      });
    }
    for (const doc of docs) {
      const source: SourceDoc = { file, text, doc, lines };
      if (doc.errors.length > 0) {
        for (const error of doc.errors) diagnostics.push(yamlDiagnostic(source, error, 'error'));
        continue;
      }
      for (const warning of doc.warnings) diagnostics.push(yamlDiagnostic(source, warning, 'warning'));
      if (doc.contents === null) continue; // an empty document between `---` separators
      let data: unknown;
      try {
        data = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        const pos = positionAt(source, offsetOf(source, []));
        diagnostics.push({
          code: 'yaml_syntax',
          severity: 'error',
          message: error instanceof Error ? error.message : String(error),
          file,
          path: '',
          line: pos.line,
          column: pos.column,
        });
        continue;
      }
      if (data === null || data === undefined) continue; // a document with nothing but comments
      const docDiagnostics: Diagnostic[] = [];
      const parsed = slaSchema.safeParse(data);
      if (!parsed.success)
        docDiagnostics.push(...issuesToDiagnostics(parsed.error.issues, source, slaSchema, data));
      docDiagnostics.push(...semanticChecks(source, data));

      const name = (data as { metadata?: { name?: unknown } } | null)?.metadata?.name;
      const namePos = positionAt(source, offsetOf(source, ['metadata', 'name']));
      if (typeof name === 'string') {
        const first = names.get(name);
        if (first) {
          docDiagnostics.push({
            code: 'duplicate_name',
            severity: 'error',
            message: `SLA name "${name}" is already used at ${first.file}:${first.line}:${first.column}`,
            file,
            path: formatPath(['metadata', 'name']),
            line: namePos.line,
            column: namePos.column,
            hint: 'names are unique across all SLA files',
          });
          diagnostics.push({
            code: 'duplicate_name',
            severity: 'error',
            message: `SLA name "${name}" is used again at ${file}:${namePos.line}:${namePos.column}`,
            file: first.file,
            path: formatPath(['metadata', 'name']),
            line: first.line,
            column: first.column,
            hint: 'names are unique across all SLA files',
          });
          // The first document was already accepted; take it back out.
          const at = slas.findIndex((s) => s.doc.metadata.name === name);
          if (at >= 0) slas.splice(at, 1);
        } else {
          names.set(name, { file, line: namePos.line, column: namePos.column });
        }
      }
      diagnostics.push(...docDiagnostics);
      if (parsed.success && !hasErrors(docDiagnostics))
        slas.push({ file, line: namePos.line, doc: parsed.data });
    }
  }
  return { slas, diagnostics: sortDiagnostics(diagnostics), files: sources.map((s) => s.file) };
}

const SLA_EXTENSIONS = new Set(['.yaml', '.yml']);

/** Expands files and folders (recursively, hidden entries skipped) into sorted SLA file paths. */
export async function findSlaFiles(paths: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  const out = new Set<string>();
  async function walk(target: string, explicit: boolean): Promise<void> {
    const info = await stat(path.resolve(cwd, target));
    if (info.isDirectory()) {
      const entries = await readdir(path.resolve(cwd, target), { withFileTypes: true });
      for (const entry of entries) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        await walk(path.join(target, entry.name), false);
      }
    } else if (explicit || SLA_EXTENSIONS.has(path.extname(target))) {
      out.add(path.normalize(target));
    }
  }
  for (const p of paths) await walk(p, true);
  return [...out].sort();
}

/**
 * Reads the SLA files under the given files and folders, without checking them, so that `slactl compile`
 * can spread the checking over threads. Paths are resolved against `cwd` and shown as given; a missing
 * path is a diagnostic, not an exception.
 */
export async function readSlaSources(
  paths: readonly string[],
  cwd: string = process.cwd(),
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

/**
 * Reads and checks SLA files and folders; a missing path is a diagnostic, not an exception. Paths are
 * resolved against `cwd` and shown in diagnostics as given.
 */
export async function loadSlaFiles(
  paths: readonly string[],
  cwd: string = process.cwd(),
): Promise<LoadResult> {
  const { sources, missing } = await readSlaSources(paths, cwd);
  const result = checkSlaSources(sources);
  return { ...result, diagnostics: sortDiagnostics([...missing, ...result.diagnostics]) };
}
