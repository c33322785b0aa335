// Walks the decision tree for one SLA: asks the root's questions in order, follows the first that
// holds down to the node where the walk ends, and lists the other failure modes that hold as well.
import { alertEvidence, signalEvidence, type TriageInput } from './evidence.js';
import { isSignalName } from './catalog.js';
import type {
  Condition,
  DecisionTree,
  Evidence,
  TreeNode,
  TriageLeaf,
  TriageResult,
  TriageStep,
} from './types.js';

export type { TriageInput } from './evidence.js';

export const NO_MATCH = 'no known failure mode matches; escalate';
export const NO_MATCH_HEALTHY = 'no known failure mode matches; the SLA is healthy';
export const NO_MATCH_NO_DATA =
  'no known failure mode matches; the SLA has no data yet (check that its services report signals)';

interface NodeAnswer {
  matched: boolean;
  evidence: Evidence[];
}

function conditionAnswer(condition: Condition, input: TriageInput): NodeAnswer {
  switch (condition.kind) {
    case 'alert': {
      const evidence = alertEvidence(condition, input);
      return { matched: evidence.some((e) => e.matched), evidence };
    }
    case 'signal': {
      const evidence = signalEvidence(condition, input);
      return { matched: evidence.some((e) => e.matched), evidence };
    }
    case 'any':
    case 'all': {
      const parts = condition.of.map((c) => conditionAnswer(c, input));
      const matched = condition.kind === 'any' ? parts.some((p) => p.matched) : parts.every((p) => p.matched);
      return { matched, evidence: parts.flatMap((p) => p.evidence) };
    }
  }
}

/** Evaluates the tree against one SLA's status and alerts: the primary path and every other match. */
export function triage(tree: DecisionTree, input: TriageInput): TriageResult {
  const byId = new Map<string, TreeNode>();
  for (const node of tree.nodes) if (!byId.has(node.id)) byId.set(node.id, node);
  const answers = new Map<string, NodeAnswer>();
  const open = new Set<string>();

  // Each node is answered once; a node met again while its own answer is being computed (a cycle, which
  // checkTree rejects) does not hold.
  const answer = (id: string): NodeAnswer => {
    const known = answers.get(id);
    if (known) return known;
    const node = byId.get(id);
    if (!node || open.has(id)) return { matched: false, evidence: [] };
    open.add(id);
    let result: NodeAnswer;
    if (node.when !== undefined) {
      result = conditionAnswer(node.when, input);
    } else {
      const matched = node.children.map((c) => answer(c).matched).some(Boolean);
      result = { matched, evidence: [] };
    }
    const context = node.context
      .filter(isSignalName)
      .flatMap((signal) => signalEvidence({ signal, where: {} }, input, true));
    result = { matched: result.matched, evidence: [...result.evidence, ...context] };
    open.delete(id);
    answers.set(id, result);
    return result;
  };

  const leafOf = (node: TreeNode, trail: readonly string[]): TriageLeaf => ({
    node: node.id,
    question: node.question,
    ...(node.runbook !== undefined ? { runbook: node.runbook } : {}),
    path: [...trail, node.id],
  });

  const path: TriageStep[] = [];
  const step = (node: TreeNode, depth: number): TriageStep => {
    const a = answer(node.id);
    const s: TriageStep = {
      node: node.id,
      question: node.question,
      depth,
      matched: a.matched,
      evidence: a.evidence,
      ...(node.runbook !== undefined ? { runbook: node.runbook } : {}),
    };
    path.push(s);
    return s;
  };
  // A group that does not hold was answered by its children: show them as the evidence checked.
  const showChecked = (ids: readonly string[], depth: number, trail: readonly string[]): void => {
    for (const id of ids) {
      const node = byId.get(id);
      if (!node || trail.includes(id)) continue;
      step(node, depth);
      if (node.when === undefined) showChecked(node.children, depth + 1, [...trail, id]);
    }
  };
  const walk = (ids: readonly string[], depth: number, trail: readonly string[]): TriageLeaf | undefined => {
    for (const id of ids) {
      const node = byId.get(id);
      if (!node || trail.includes(id)) continue;
      const s = step(node, depth);
      if (!s.matched) {
        if (node.when === undefined) showChecked(node.children, depth + 1, [...trail, id]);
        continue;
      }
      const below = walk(node.children, depth + 1, [...trail, id]);
      if (below) return below;
      s.terminal = true;
      return leafOf(node, trail);
    }
    return undefined;
  };
  const primary = walk(tree.root, 0, []);

  // Every node where a walk through holding nodes ends, in tree order.
  const leaves: TriageLeaf[] = [];
  const collect = (ids: readonly string[], trail: readonly string[]): void => {
    for (const id of ids) {
      const node = byId.get(id);
      if (!node || trail.includes(id) || !answer(id).matched) continue;
      const next = node.children.filter((c) => !trail.includes(c) && c !== id && answer(c).matched);
      if (next.length === 0) leaves.push(leafOf(node, trail));
      else collect(next, [...trail, id]);
    }
  };
  collect(tree.root, []);
  const seen = new Set(primary ? [primary.node] : []);
  const others = leaves.filter((l) => !seen.has(l.node) && (seen.add(l.node), true));

  const { status } = input;
  const mine = input.alerts.filter((a) => a.sla === status.name);
  const alerts = {
    firing: mine.filter((a) => a.state === 'firing').length,
    pending: mine.filter((a) => a.state === 'pending').length,
  };
  const quiet = alerts.firing + alerts.pending === 0;
  const more =
    others.length === 0 ? '' : ` (${others.length} more failure mode${others.length === 1 ? '' : 's'} match)`;
  const summary = primary
    ? primary.runbook !== undefined
      ? `${primary.node}: follow runbook ${primary.runbook}${more}`
      : `${primary.node}: no runbook for this case; escalate${more}`
    : quiet && status.status === 'ok'
      ? NO_MATCH_HEALTHY
      : quiet && status.status === 'no_data' && status.error === undefined
        ? NO_MATCH_NO_DATA
        : NO_MATCH;
  return {
    sla: status.name,
    service: status.service,
    health: status.status,
    evaluatedAt: status.evaluatedAt,
    outcome: primary ? 'matched' : 'no_match',
    summary,
    path,
    ...(primary ? { leaf: primary } : {}),
    others,
    alerts,
    ...(status.error !== undefined ? { error: status.error } : {}),
  };
}
