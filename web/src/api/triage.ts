// GET /api/v1/triage?sla= (the evaluated path with evidence, docs/triage.md) and GET /api/v1/triage/tree
// (the whole decision tree, to draw it and highlight the path).
import type { Matcher } from '../../../server/triage/types';
import type { EvidenceView, TriageStepView, TriageView } from '../../../server/triage/view';
import { apiGet, queryString } from './http';

export type { EvidenceView, TriageStepView, TriageView };

// The tree's JSON shape (server/http/triage-routes.ts `TreeView`; the http layer's module is not
// importable here, it brings express's types along).
export type ConditionView =
  | { kind: 'alert'; alert: string; where: Record<string, Matcher> }
  | { kind: 'signal'; signal: string; op?: string; threshold?: number; where: Record<string, Matcher> }
  | { kind: 'any' | 'all'; of: ConditionView[] };

export interface TreeNodeView {
  id: string;
  question: string;
  when?: ConditionView;
  children: string[];
  runbook?: string;
  context: string[];
}

export interface TreeView {
  name: string;
  description?: string;
  root: string[];
  nodes: TreeNodeView[];
}

/** The triage of one SLA against its latest evaluation. */
export async function fetchTriage(sla: string, signal?: AbortSignal): Promise<TriageView> {
  return (await apiGet<{ data: TriageView }>(`/api/v1/triage${queryString({ sla })}`, signal)).data;
}

/** The decision tree the server loaded. */
export async function fetchTree(signal?: AbortSignal): Promise<TreeView> {
  return (await apiGet<{ data: TreeView }>('/api/v1/triage/tree', signal)).data;
}
