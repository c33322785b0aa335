// Semantic checks of a decision tree: ids, references, cycles, reachability, runbooks, and the alert and
// signal names its conditions use. Every diagnostic points at the place in the file to change.
import { sortDiagnostics, type Diagnostic } from '../lib/diagnostics.js';
import { ALERT_NAMES, isAlertName, isSignalName, SIGNAL_NAMES, SIGNALS, type Unit } from './catalog.js';
import { diagnosticAt, hintFor } from './locate.js';
import type { Condition, DecisionTree, Located, TreeNode } from './types.js';

const EXAMPLE_LIMIT: Record<Unit, string> = {
  ms: '50 (milliseconds)',
  seconds: '300 (seconds)',
  ratio: '0.05 (a ratio)',
  burn: '1 (a burn rate: 1 spends the error budget exactly over the SLA window)',
  number: '0.2',
  messages: '10000 (messages)',
  flag: '0',
};

/** What the tree is checked against. */
export interface CheckContext {
  /**
   * Alert names the deployment's plans compile (see planAlertNames). A name outside this list that the
   * compiler can generate is a warning (no SLA defines it yet); a name it cannot generate is an error.
   * Default: every alert the compiler can generate.
   */
  alertNames?: readonly string[];
  /** Runbook ids that exist (runbooks/<id>.md); default: runbooks are not checked. */
  runbookIds?: readonly string[];
}

/** Checks a loaded tree and returns its diagnostics (errors and warnings), in file order. */
export function checkTree(tree: DecisionTree, context: CheckContext = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (where: Located, code: string, message: string, hint?: string, warning = false): void => {
    out.push(
      diagnosticAt(tree.file, where, code, message, { hint, severity: warning ? 'warning' : 'error' }),
    );
  };

  // Ids: the first node with an id is the node; later ones are reported.
  const byId = new Map<string, TreeNode>();
  for (const node of tree.nodes) {
    const first = byId.get(node.id);
    if (first) {
      at(
        node.idAt,
        'duplicate_id',
        `node id "${node.id}" is already used at line ${first.idAt.line}`,
        'node ids are unique',
      );
      continue;
    }
    byId.set(node.id, node);
  }
  const ids = [...byId.keys()];

  // References.
  if (tree.root.length === 0)
    at(tree.rootListAt, 'empty_root', 'root names no question', 'list the ids of the first questions');
  const reference = (id: string, where: Located, from: string): void => {
    if (!byId.has(id))
      at(where, 'unknown_node', `${from} names node "${id}", which is not defined`, hintFor(id, ids));
  };
  tree.root.forEach((id, i) => reference(id, tree.rootAt[i]!, 'root'));
  for (const node of byId.values()) {
    const seen = new Set<string>();
    node.children.forEach((id, i) => {
      const where = node.childrenAt[i]!;
      if (id === node.id) {
        at(where, 'cycle', `node "${node.id}" names itself as a child`);
        return;
      }
      if (seen.has(id))
        at(where, 'duplicate_child', `node "${node.id}" names child "${id}" twice`, undefined, true);
      seen.add(id);
      reference(id, where, `node "${node.id}"`);
    });
  }

  // Cycles and reachability: depth-first from the root, in order.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const node = byId.get(id);
    if (!node || state.get(id) === 'done') return;
    state.set(id, 'open');
    stack.push(id);
    node.children.forEach((child, i) => {
      if (child === id) return; // reported above
      if (state.get(child) === 'open') {
        const loop = [...stack.slice(stack.indexOf(child)), child].join(' → ');
        at(
          node.childrenAt[i]!,
          'cycle',
          `node "${id}" leads back to "${child}": ${loop}`,
          'a decision tree has no loops',
        );
        return;
      }
      visit(child);
    });
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of tree.root) visit(id);
  for (const node of byId.values()) {
    if (!state.has(node.id)) {
      at(
        node.idAt,
        'unreachable_node',
        `node "${node.id}" is not reachable from root`,
        'name it in root or in the children of a reachable node, or delete it',
      );
    }
  }

  // The shape of each node, and its runbook.
  const runbooks = context.runbookIds;
  for (const node of byId.values()) {
    const leaf = node.children.length === 0;
    if (node.when === undefined && leaf) {
      at(
        node.idAt,
        'empty_node',
        `node "${node.id}" has neither a condition (when) nor children, so it never holds`,
      );
    } else if (leaf && node.runbook === undefined) {
      at(
        node.idAt,
        'missing_runbook',
        `leaf "${node.id}" names no runbook`,
        'add runbook: <id> (runbooks/<id>.md)',
      );
    } else if (!leaf && node.when !== undefined && node.runbook === undefined) {
      at(
        node.idAt,
        'no_fallback_runbook',
        `when "${node.id}" holds and none of its children does, the walk ends without a runbook`,
        'add runbook: <id> for that case',
        true,
      );
    } else if (node.when === undefined && node.runbook !== undefined) {
      at(
        node.runbookAt ?? node.idAt,
        'unused_runbook',
        `group node "${node.id}" holds only through a child, so its runbook is never the answer`,
        'give it a condition (when) or remove the runbook',
        true,
      );
    }
    if (node.runbook !== undefined && runbooks !== undefined && !runbooks.includes(node.runbook)) {
      at(
        node.runbookAt ?? node.idAt,
        'unknown_runbook',
        `runbook "${node.runbook}" does not exist (no runbooks/${node.runbook}.md)`,
        hintFor(node.runbook, runbooks),
      );
    }
    if (node.when !== undefined) conditionChecks(node.when, context, at);
    node.context.forEach((name, i) => {
      if (!isSignalName(name))
        at(node.contextAt[i]!, 'unknown_signal', `unknown signal "${name}"`, hintFor(name, SIGNAL_NAMES));
    });
  }
  return sortDiagnostics(out);
}

function conditionChecks(
  condition: Condition,
  context: CheckContext,
  at: (where: Located, code: string, message: string, hint?: string, warning?: boolean) => void,
): void {
  switch (condition.kind) {
    case 'any':
    case 'all':
      for (const c of condition.of) conditionChecks(c, context, at);
      return;
    case 'alert': {
      const name = condition.alert;
      if (!isAlertName(name)) {
        at(
          condition.nameAt,
          'unknown_alert',
          `unknown alert "${name}"`,
          hintFor(name, context.alertNames ?? ALERT_NAMES),
        );
      } else if (context.alertNames !== undefined && !context.alertNames.includes(name)) {
        at(
          condition.nameAt,
          'alert_not_compiled',
          `no SLA defines alert "${name}", so this condition never holds`,
          undefined,
          true,
        );
      }
      return;
    }
    case 'signal': {
      const name = condition.signal;
      if (!isSignalName(name)) {
        at(condition.nameAt, 'unknown_signal', `unknown signal "${name}"`, hintFor(name, SIGNAL_NAMES));
        return;
      }
      const spec = SIGNALS[name];
      for (const label of Object.keys(condition.where)) {
        if (label !== spec.subject) {
          at(
            condition.whereAt[label]!,
            'unknown_label',
            `signal "${name}" is told apart by "${spec.subject}" only, not "${label}"`,
            `where: { ${spec.subject}: … }`,
          );
        }
      }
      if (condition.threshold === undefined && spec.limit === undefined) {
        at(
          condition.nameAt,
          'missing_threshold',
          `signal "${name}" has no limit in the SLA: give the threshold`,
          `add ${spec.op === '>' ? 'above' : 'below'}: ${EXAMPLE_LIMIT[spec.unit]}`,
        );
      }
      return;
    }
  }
}
