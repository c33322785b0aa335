// The incident decision tree as data (runbooks/decision-tree.yaml) and what evaluating it answers.
import type { Op, Unit } from './catalog.js';

/** A place in the tree's file, for diagnostics: 1-based line and column and the property path. */
export interface Located {
  line: number;
  column: number;
  /** Property path inside the document, e.g. `nodes[3].when.any[1]`. */
  path: string;
}

/** A label matcher: an exact value, one of a list, or none of a list. */
export type Matcher = { equals: string } | { in: string[] } | { notIn: string[] };

/** Conditions on labels (alerts) or subjects (signals), all of which must hold. */
export type Where = Record<string, Matcher>;

/** Holds while an alert of this name is firing for the SLA (pending alerts are shown, not counted). */
export interface AlertCondition {
  kind: 'alert';
  alert: string;
  where: Where;
  at: Located;
  nameAt: Located;
  /** Position of each `where` key. */
  whereAt: Record<string, Located>;
}

/** Holds when any series of the signal crosses the threshold (the SLA's own limit by default). */
export interface SignalCondition {
  kind: 'signal';
  signal: string;
  /** From `above:` or `below:`; absent: the signal's usual comparison. */
  op?: Op;
  /** From `above:` or `below:`; absent: the SLA's own limit for the series. */
  threshold?: number;
  where: Where;
  at: Located;
  nameAt: Located;
  whereAt: Record<string, Located>;
}

/** `any` holds when one of its conditions holds, `all` when every one does. */
export interface CombinedCondition {
  kind: 'any' | 'all';
  of: Condition[];
  at: Located;
}

export type Condition = AlertCondition | SignalCondition | CombinedCondition;

/** One node: a question, the condition that answers it, the next questions, and a runbook. */
export interface TreeNode {
  id: string;
  question: string;
  /** Absent: a group node, which holds when any of its children holds. */
  when?: Condition;
  /** Ids of the next questions, asked in order when this one holds. */
  children: string[];
  /** The runbook to follow when this node holds and none of its children does. */
  runbook?: string;
  /** Signals shown beside the node's evidence without deciding anything. */
  context: string[];
  at: Located;
  idAt: Located;
  childrenAt: Located[];
  runbookAt?: Located;
  contextAt: Located[];
}

export interface DecisionTree {
  /** The file the tree was read from, as shown in diagnostics. */
  file: string;
  name: string;
  description?: string;
  /** Ids of the first questions, asked in order. */
  root: string[];
  /** Position of the `root` list, and of each of its entries. */
  rootListAt: Located;
  rootAt: Located[];
  nodes: TreeNode[];
}

/** One piece of evidence: an alert instance or one series of a signal, compared with its threshold. */
export interface Evidence {
  source: 'alert' | 'signal';
  /** The alert or signal name. */
  name: string;
  /** The labels that tell this series apart (`component`, `slo` and `burn_tier`, …). */
  subject: Record<string, string>;
  /** Whether this piece counts towards the condition. Pending alerts never count. */
  matched: boolean;
  /** Alerts only: `inactive` when no instance exists. */
  state?: 'firing' | 'pending' | 'inactive';
  value?: number;
  op?: Op;
  threshold?: number;
  unit: Unit;
  /** Alerts: when it started firing (firing) or became active (pending), ms since the epoch. */
  since?: number;
  /** Alerts: the first evaluation that found the condition true. */
  activeAt?: number;
  /** Why a value is missing or not judged: no data, too few probes, not configured. */
  note?: string;
  /** True for `context` signals, which are shown and never decide. */
  context?: true;
}

/** One question asked on the way to the answer. */
export interface TriageStep {
  node: string;
  question: string;
  /** 0 for the root's questions. */
  depth: number;
  matched: boolean;
  /** Evidence of the node's condition, then its context signals; empty for group nodes. */
  evidence: Evidence[];
  /** Where this question leads when it holds and none of its children does. */
  runbook?: string;
  /** True on the step where the walk ends. */
  terminal?: true;
}

/** A failure mode that matches: the node where a walk ends and the runbook it names. */
export interface TriageLeaf {
  node: string;
  question: string;
  /** Absent when the node names no runbook: escalate. */
  runbook?: string;
  /** Node ids from the root to this node. */
  path: string[];
}

/** The answer of one triage of one SLA. */
export interface TriageResult {
  sla: string;
  service: string;
  health: string;
  evaluatedAt: number;
  outcome: 'matched' | 'no_match';
  /** One line for people: where the walk ends and what to do. */
  summary: string;
  /** The primary path: every question asked, in order, down to the terminal node. */
  path: TriageStep[];
  /** The primary failure mode; absent when nothing matches. */
  leaf?: TriageLeaf;
  /** Other failure modes that match at the same time, in tree order. */
  others: TriageLeaf[];
  /** Alerts of this SLA right now. */
  alerts: { firing: number; pending: number };
  /** The evaluator's error for this SLA, when its last evaluation failed. */
  error?: string;
}
