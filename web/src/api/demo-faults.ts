// The demo's faults (docs/api.md#demo-faults): only while `slactl serve` runs the demo (404 otherwise).
import { apiGet, apiSend, queryString } from './http';

export interface Fault {
  kind: string;
  sla: string;
  /** ms since the epoch. */
  since: number;
  expectedAlerts: string[];
  description: string;
}

export interface FaultKindInfo {
  kind: string;
  description: string;
  appliesTo: string[];
}

export interface FaultsResponse {
  faults: Fault[];
  kinds: FaultKindInfo[];
}

export function fetchFaults(signal?: AbortSignal): Promise<FaultsResponse> {
  return apiGet<FaultsResponse>('/api/v1/demo/faults', signal);
}

export async function injectFault(kind: string, sla: string): Promise<Fault> {
  return (await apiSend<{ fault: Fault }>('POST', '/api/v1/demo/faults', { kind, sla })).fault;
}

export async function clearFaults(filter: { kind?: string; sla?: string }): Promise<Fault[]> {
  return (
    await apiSend<{ cleared: Fault[] }>(
      'DELETE',
      `/api/v1/demo/faults${queryString({ kind: filter.kind, sla: filter.sla })}`,
    )
  ).cleared;
}
