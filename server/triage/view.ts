// The JSON shape of a triage, as GET /api/v1/triage answers it and `slactl triage` reads it: the same
// result with times as RFC 3339 strings.
import type { Evidence, TriageLeaf, TriageResult, TriageStep } from './types.js';

export interface EvidenceView extends Omit<Evidence, 'since' | 'activeAt'> {
  /** RFC 3339: when the alert started firing (firing) or became active (pending). */
  since?: string;
  activeAt?: string;
}

export interface TriageStepView extends Omit<TriageStep, 'evidence'> {
  evidence: EvidenceView[];
}

export interface TriageView extends Omit<TriageResult, 'evaluatedAt' | 'path'> {
  /** RFC 3339: the evaluation the triage read. */
  evaluatedAt: string;
  path: TriageStepView[];
  leaf?: TriageLeaf;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function evidenceView(e: Evidence): EvidenceView {
  const { since, activeAt, ...rest } = e;
  return {
    ...rest,
    ...(since !== undefined ? { since: iso(since) } : {}),
    ...(activeAt !== undefined ? { activeAt: iso(activeAt) } : {}),
  };
}

/** The JSON view of a triage result. */
export function toTriageView(result: TriageResult): TriageView {
  return {
    ...result,
    evaluatedAt: iso(result.evaluatedAt),
    path: result.path.map((step) => ({ ...step, evidence: step.evidence.map(evidenceView) })),
  };
}
