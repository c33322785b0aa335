// Which runbook and which node of the incident decision tree each alert leads to. The decision tree
// (runbooks/decision-tree.yaml) and the runbooks (runbooks/<id>.md) use exactly these ids.

/** A failure mode: the runbook that handles it and its node in the incident tree. */
export interface FailureMode {
  runbook: string;
  decisionNode: string;
}

/** Components of the seed's serving path that have a dedicated branch in the incident tree. */
const COMPONENT_MODES: Record<string, FailureMode> = {
  feature_retrieval: { runbook: 'online-store-latency', decisionNode: 'latency.feature_retrieval' },
  vector_search: { runbook: 'vector-index-degradation', decisionNode: 'latency.vector_search' },
  model_inference: { runbook: 'compute-saturation', decisionNode: 'latency.model_inference' },
};

export const FAILURE_MODES = {
  availability: { runbook: 'availability-burn', decisionNode: 'availability' },
  latency: { runbook: 'latency-burn', decisionNode: 'latency' },
  componentOther: { runbook: 'component-over-budget', decisionNode: 'latency.other_component' },
  stale: { runbook: 'stale-features', decisionNode: 'quality.freshness' },
  pipeline: { runbook: 'pipeline-failure', decisionNode: 'quality.freshness.pipeline' },
  streamLag: { runbook: 'stream-lag', decisionNode: 'quality.freshness.stream_lag' },
  nullRate: { runbook: 'null-rate-spike', decisionNode: 'quality.null_rate' },
  drift: { runbook: 'distribution-drift', decisionNode: 'quality.drift' },
  recall: { runbook: 'vector-index-degradation', decisionNode: 'quality.recall' },
  tombstones: { runbook: 'tombstone-accumulation', decisionNode: 'quality.recall.tombstones' },
} as const satisfies Record<string, FailureMode>;

/** The failure mode of a serving-path component running over its latency budget. */
export function componentFailureMode(component: string): FailureMode {
  return COMPONENT_MODES[component] ?? FAILURE_MODES.componentOther;
}

/** Every runbook id the compiler can reference, for checks that each one exists. */
export function allRunbookIds(): string[] {
  const ids = new Set<string>();
  for (const mode of [...Object.values(FAILURE_MODES), ...Object.values(COMPONENT_MODES)])
    ids.add(mode.runbook);
  return [...ids].sort();
}
