// Loads the incident decision tree (runbooks/decision-tree.yaml): YAML with positions, the Zod schema,
// conditions, then checkTree's semantic checks against the alerts and signals slactl knows.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { hasErrors, sortDiagnostics, type Diagnostic, type Result } from '../lib/diagnostics.js';
import { yamlDiagnostic, type PathSegment, type SourceDoc } from '../sla/positions.js';
import { issuesToDiagnostics } from '../sla/zod-diagnostics.js';
import { checkTree, type CheckContext } from './check.js';
import { parseCondition } from './condition.js';
import { describeValue, diagnosticAt, locate } from './locate.js';
import { treeSchema, type NodeDocument } from './schema.js';
import type { DecisionTree, TreeNode } from './types.js';

/** The tree's usual place, relative to the project root. */
export const DECISION_TREE_FILE = 'runbooks/decision-tree.yaml';

function buildNode(
  source: SourceDoc,
  raw: NodeDocument,
  index: number,
  out: Diagnostic[],
): TreeNode | undefined {
  const base: PathSegment[] = ['nodes', index];
  let when;
  if ('when' in raw) {
    when = parseCondition(source, raw.when, [...base, 'when'], out);
    if (when === undefined) return undefined;
  }
  return {
    id: raw.id,
    question: raw.question.trim(),
    ...(when !== undefined ? { when } : {}),
    children: raw.children ?? [],
    ...(raw.runbook !== undefined ? { runbook: raw.runbook } : {}),
    // Unknown names stay as written: checkTree reports them with the other names.
    context: raw.context ?? [],
    at: locate(source, base),
    idAt: locate(source, [...base, 'id']),
    childrenAt: (raw.children ?? []).map((_, i) => locate(source, [...base, 'children', i])),
    ...(raw.runbook !== undefined ? { runbookAt: locate(source, [...base, 'runbook']) } : {}),
    contextAt: (raw.context ?? []).map((_, i) => locate(source, [...base, 'context', i])),
  };
}

/**
 * Checks a decision tree's text and returns the tree, or the diagnostics that prevent one. Semantic
 * checks run with `context` (by default: every alert the compiler can generate, runbooks unchecked).
 */
export function checkTreeSource(
  file: string,
  text: string,
  context: CheckContext = {},
): Result<DecisionTree> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const source: SourceDoc = { file, text, doc, lines };
  const diagnostics: Diagnostic[] = [];
  const done = (): Result<DecisionTree> => ({ ok: false, diagnostics: sortDiagnostics(diagnostics) });

  if (doc.errors.length > 0) {
    for (const e of doc.errors) diagnostics.push(yamlDiagnostic(source, e, 'error'));
    return done();
  }
  for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(source, w, 'warning'));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    diagnostics.push(
      diagnosticAt(
        file,
        locate(source, []),
        'yaml_syntax',
        error instanceof Error ? error.message : String(error),
      ),
    );
    return done();
  }
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    diagnostics.push(
      diagnosticAt(
        file,
        locate(source, []),
        data === null || data === undefined ? 'empty_file' : 'invalid_type',
        data === null || data === undefined
          ? 'the file holds no decision tree'
          : `expected a decision tree (a mapping with apiVersion, kind, metadata, root and nodes), got ${describeValue(data)}`,
      ),
    );
    return done();
  }
  const parsed = treeSchema.safeParse(data);
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, source, treeSchema, data));
    return done();
  }
  const parsedTree = parsed.data;
  const nodes: TreeNode[] = [];
  parsedTree.nodes.forEach((node, i) => {
    const built = buildNode(source, node, i, diagnostics);
    if (built) nodes.push(built);
  });
  if (hasErrors(diagnostics)) return done();
  const tree: DecisionTree = {
    file,
    name: parsedTree.metadata.name,
    ...(parsedTree.metadata.description !== undefined
      ? { description: parsedTree.metadata.description }
      : {}),
    root: parsedTree.root,
    rootListAt: locate(source, ['root']),
    rootAt: parsedTree.root.map((_, i) => locate(source, ['root', i])),
    nodes,
  };
  diagnostics.push(...checkTree(tree, context));
  if (hasErrors(diagnostics)) return done();
  return { ok: true, value: tree, diagnostics: sortDiagnostics(diagnostics) };
}

/** Reads and checks a decision-tree file; a missing file is a diagnostic, not an exception. */
export async function loadTreeFile(
  file: string,
  cwd: string = process.cwd(),
  context: CheckContext = {},
): Promise<Result<DecisionTree>> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      diagnostics: [
        {
          code: code === 'ENOENT' ? 'file_not_found' : 'unreadable_file',
          severity: 'error',
          message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? 'unknown error'})`,
          file,
          path: '',
          line: 1,
          column: 1,
        },
      ],
    };
  }
  return checkTreeSource(file, text, context);
}
