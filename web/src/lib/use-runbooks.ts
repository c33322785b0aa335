// The runbook list, loaded once for the whole app and refreshed every minute (the actions' live state
// changes slowly); the maturity badges of every SLA read it.
import { fetchRunbooks, type RunbookSummary } from '../api/runbooks';
import { useLive } from './live';
import { coverageOf } from './coverage';
import type { RunbookCoverage } from './maturity';
import { useAsync } from './use-async';

const REFRESH_MS = 60_000;
/** Components mounting together (every SLA card) share one request. */
const SHARE_MS = 5_000;
let shared: { atMs: number; promise: Promise<RunbookSummary[]> } | undefined;

function sharedRunbooks(): Promise<RunbookSummary[]> {
  const now = Date.now();
  if (shared === undefined || now - shared.atMs > SHARE_MS) {
    const promise = fetchRunbooks();
    shared = { atMs: now, promise };
    promise.catch(() => {
      if (shared?.promise === promise) shared = undefined;
    });
  }
  return shared.promise;
}

/** Every runbook, or undefined while loading or when the API failed. */
export function useRunbooks(): RunbookSummary[] | undefined {
  return useAsync('runbooks', () => sharedRunbooks(), REFRESH_MS).data;
}

/** The runbook coverage of each SLA from its alerts seen on this page; undefined until runbooks load. */
export function useCoverages(): (sla: string) => RunbookCoverage | undefined {
  const runbooks = useRunbooks();
  const live = useLive();
  return (sla) => {
    if (runbooks === undefined) return undefined;
    const names = [
      ...live.alerts.filter((a) => a.sla === sla).map((a) => a.alertname),
      ...live.history.filter((t) => t.sla === sla).map((t) => t.alertname),
    ];
    return coverageOf(names, runbooks);
  };
}
