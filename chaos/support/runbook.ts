// The runbook and slactl.yaml of the in-process chaos scenarios: one automatic HTTP action on the
// recall alert, calling target `search-admin`, with guard rails short enough to watch retries, timeouts
// and the circuit breaker within seconds. Written as an operator writes them and loaded by the server's
// own loader (front matter, sections, slots and patterns all checked).

export const RUNBOOK_ID = 'chaos-index-repair';
export const ACTION_ID = 'compact-index';

export interface ChaosAction {
  /** Per attempt, e.g. `1s`. */
  timeout: string;
  retries: { max: number; backoff: string; maxBackoff: string };
  /** `verify.within`, or none. */
  verifyWithin?: string;
}

/** The runbook's Markdown text. */
export function chaosRunbook(action: ChaosAction): string {
  const verify =
    action.verifyWithin === undefined
      ? ''
      : `    verify: { alert: VectorRecallBelowTarget, within: ${action.verifyWithin} }\n`;
  return `---
id: ${RUNBOOK_ID}
title: Repair a degraded vector index (chaos suite)
triggers:
  - VectorRecallBelowTarget
actions:
  - id: ${ACTION_ID}
    title: Compact the degraded index
    description: Compacts the index the alert names through the search admin API.
    kind: http
    target: search-admin
    method: POST
    path: /indexes/{index}/compact
    body: { sla: '{sla}', index: '{index}' }
    params:
      sla: { label: sla, pattern: '^[a-z][a-z0-9-]{0,62}$' }
      index: { label: index, pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }
    auto: true
    cooldown: 1ms
    maxRuns: { count: 100, window: 1h }
    timeout: ${action.timeout}
    retries: { max: ${action.retries.max}, backoff: ${action.retries.backoff}, maxBackoff: ${action.retries.maxBackoff} }
${verify}---

# Repair a degraded vector index

## Meaning

Recall of a vector index fell below the SLA's floor.

## Impact

Search returns worse results while every request still succeeds.

## Diagnosis

Compare the recall probes of the index with the tombstone ratio.

## Mitigation

Compact the index; rebuild it when compaction does not help.
`;
}

/** slactl.yaml with the target `search-admin` at `targetUrl` (on loopback) and the breaker threshold. */
export function chaosSettings(targetUrl: string, breakerFailures = 3): string {
  return `remediation:
  allowHosts: [127.0.0.1]
  targets:
    search-admin:
      url: ${targetUrl}/admin
  circuitBreaker: { failures: ${breakerFailures} }
`;
}
