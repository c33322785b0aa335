// The decision tree as the incident view draws it: every node once, in tree order with its depth, marked
// with what the triage found there (on the primary path, the leaf, another match, asked and not
// matched, not asked), and the evidence the walk recorded for it. Pure: the page renders the rows.
import type { ConditionView, EvidenceView, TreeView, TriageStepView, TriageView } from '../api/triage';

export type NodeMark = 'leaf' | 'path' | 'other' | 'no' | 'not_asked';

export interface TreeRow {
  id: string;
  question: string;
  depth: number;
  /** The id of the node it hangs under; undefined for a root question. */
  parent?: string;
  children: string[];
  runbook?: string;
  when?: ConditionView;
  context: string[];
  mark: NodeMark;
  /** The step of the walk at this node, when it was asked. */
  step?: TriageStepView;
}

/** Words for each mark: state is never colour alone. */
export const MARK_LABEL: Record<NodeMark, string> = {
  leaf: 'answer',
  path: 'on the path',
  other: 'also matches',
  no: 'no',
  not_asked: 'not asked',
};

/**
 * Rows of the tree in depth-first order from its roots, each node once (a node reachable twice is
 * drawn under its first parent), marked against `triage` when there is one.
 */
export function treeRows(tree: TreeView, triage?: TriageView): TreeRow[] {
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const steps = new Map((triage?.path ?? []).map((s) => [s.node, s]));
  const onPath = new Set(triage?.leaf?.path ?? []);
  const others = new Set((triage?.others ?? []).flatMap((o) => o.path));
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const visit = (id: string, depth: number, parent: string | undefined): void => {
    const node = byId.get(id);
    if (node === undefined || seen.has(id)) return;
    seen.add(id);
    const step = steps.get(id);
    const mark: NodeMark =
      triage?.leaf?.node === id
        ? 'leaf'
        : onPath.has(id)
          ? 'path'
          : others.has(id)
            ? 'other'
            : step !== undefined
              ? step.matched
                ? 'other'
                : 'no'
              : 'not_asked';
    rows.push({
      id,
      question: node.question,
      depth,
      ...(parent !== undefined ? { parent } : {}),
      children: node.children,
      ...(node.runbook !== undefined ? { runbook: node.runbook } : {}),
      ...(node.when !== undefined ? { when: node.when } : {}),
      context: node.context,
      mark,
      ...(step !== undefined ? { step } : {}),
    });
    for (const child of node.children) visit(child, depth + 1, id);
  };
  for (const root of tree.root) visit(root, 0, undefined);
  return rows;
}

function where(w: Record<string, unknown>): string {
  const parts = Object.entries(w).map(([k, m]) => {
    const matcher = m as { equals?: string; in?: string[]; notIn?: string[] };
    if (matcher.equals !== undefined) return `${k}=${matcher.equals}`;
    if (matcher.in !== undefined) return `${k} in (${matcher.in.join(', ')})`;
    return `${k} not in (${(matcher.notIn ?? []).join(', ')})`;
  });
  return parts.length === 0 ? '' : ` {${parts.join(', ')}}`;
}

/** A condition in one line: `alert VectorRecallBelowTarget or signal recall < 0.95`. */
export function describeCondition(c: ConditionView | undefined): string {
  if (c === undefined) return 'any of its children';
  switch (c.kind) {
    case 'alert':
      return `alert ${c.alert}${where(c.where)}`;
    case 'signal':
      return `signal ${c.signal}${where(c.where)}${c.op !== undefined && c.threshold !== undefined ? ` ${c.op} ${c.threshold}` : ''}`;
    case 'any':
    case 'all': {
      const parts = c.of.map((p) =>
        p.kind === 'any' || p.kind === 'all' ? `(${describeCondition(p)})` : describeCondition(p),
      );
      return parts.join(c.kind === 'any' ? ' or ' : ' and ');
    }
  }
}

/** One piece of evidence in words: `VectorRecallBelowTarget firing, 0.83 < 0.95`. */
export function describeEvidence(e: EvidenceView): string {
  const value =
    e.value === undefined
      ? (e.note ?? 'no data')
      : `${formatEvidenceNumber(e.value)}${e.op !== undefined && e.threshold !== undefined ? ` ${e.op} ${formatEvidenceNumber(e.threshold)}` : ''}`;
  return `${e.state !== undefined ? `${e.state}, ` : ''}${value}`;
}

function formatEvidenceNumber(n: number): string {
  return Math.abs(n) >= 1000 || Number.isInteger(n)
    ? String(Math.round(n * 1000) / 1000)
    : String(Number(n.toPrecision(3)));
}
