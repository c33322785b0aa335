// Remediation runs (docs/remediation.md#api): list and detail, trigger, dry run, approve, reject,
// cancel. Writes need scope `operate`; the session cookie carries it, the browser adds Origin.
import type { DryRun } from '../../../server/remediate/run-engine';
import type { RequestView, RunDetail, RunView } from '../../../server/remediate/views';
import type { RunState } from '../../../server/store/runs-rows';
import { apiGet, apiSend, queryString } from './http';

export type { DryRun, RequestView, RunDetail, RunState, RunView };

/** A run as pushed on the event stream: the run and the transition that changed it. */
export type RunEventData = RunView & {
  transition: { at: string; from: RunState | null; to: RunState; actor: string; reason: string | null };
};

export interface RunInput {
  runbook: string;
  action: string;
  labels: Record<string, string>;
}

export interface RunFilters {
  state?: string;
  runbook?: string;
  action?: string;
  limit?: number;
  cursor?: string;
}

/** States a run never leaves. */
export const FINAL_STATES: readonly RunState[] = [
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
  'skipped',
  'escalated',
];

export async function fetchRuns(
  filters: RunFilters = {},
  signal?: AbortSignal,
): Promise<{ data: RunView[]; next: string | null }> {
  return apiGet(`/api/v1/runs${queryString({ ...filters })}`, signal);
}

export async function fetchRun(id: string, signal?: AbortSignal): Promise<RunDetail> {
  return (await apiGet<{ data: RunDetail }>(`/api/v1/runs/${encodeURIComponent(id)}`, signal)).data;
}

/** Exactly what a run would send now; sends nothing. */
export async function dryRun(input: RunInput): Promise<DryRun> {
  return (await apiSend<{ data: DryRun }>('POST', '/api/v1/runs/dry-run', input)).data;
}

/** Starts a run by hand. */
export async function triggerRun(input: RunInput): Promise<RunView> {
  return (await apiSend<{ data: RunView }>('POST', '/api/v1/runs', input)).data;
}

/** Approves, rejects or cancels a run, with an optional reason. */
export async function decideRun(
  id: string,
  decision: 'approve' | 'reject' | 'cancel',
  reason?: string,
): Promise<RunView> {
  const body = reason === undefined || reason.trim() === '' ? {} : { reason: reason.trim() };
  return (
    await apiSend<{ data: RunView }>('POST', `/api/v1/runs/${encodeURIComponent(id)}/${decision}`, body)
  ).data;
}
