// The live picture of the control plane, kept from the event stream: a snapshot on every (re)connection
// replaces everything, then `alert` transitions, `status` changes and `run` transitions are applied one
// by one (runs are not in the snapshot: pages load them and this keeps them current). Pure: the
// store (live-store.ts) feeds it events; tests feed it the same.
import type { PrometheusAlert } from '../api/alerts';
import type { AlertInstance, DataSource, SnapshotEvent, Transition } from '../api/events';
import type { RunEventData } from '../api/runs';
import type { SlaStatus } from '../api/slas';

export type Connection = 'connecting' | 'open' | 'down' | 'signed_out';

export interface LiveState {
  connection: Connection;
  /** When the stream went down (client clock, ms); set while `connection` is `down`. */
  downSinceMs?: number;
  /** When the last snapshot or event arrived (client clock, ms). */
  lastEventMs?: number;
  /** A snapshot arrived at least once: the data below is real, if possibly stale. */
  ready: boolean;
  statuses: SlaStatus[];
  alerts: AlertInstance[];
  /** Transitions seen since the page loaded, oldest first (at most HISTORY_LIMIT). */
  history: Transition[];
  /** Remediation runs changed since the page loaded, the latest view of each, newest change first. */
  runs: RunEventData[];
  /** Where statuses and alerts come from, and whether it answers: from the snapshot, then `dataSource` events. */
  dataSource?: DataSource;
}

export type LiveAction =
  | { type: 'connecting' }
  | { type: 'open'; atMs: number }
  | { type: 'down'; atMs: number }
  | { type: 'signed_out' }
  | { type: 'snapshot'; data: SnapshotEvent; atMs: number }
  | { type: 'alert'; data: Transition; atMs: number }
  | { type: 'status'; data: SlaStatus; atMs: number }
  | { type: 'run'; data: RunEventData; atMs: number }
  | { type: 'dataSource'; data: DataSource; atMs: number }
  | { type: 'annotations'; alerts: PrometheusAlert[] };

export const HISTORY_LIMIT = 500;
export const RUNS_LIMIT = 200;

export const INITIAL_STATE: LiveState = {
  connection: 'connecting',
  ready: false,
  statuses: [],
  alerts: [],
  history: [],
  runs: [],
};

/** A key for a label set, order-independent: how Prometheus-shaped alerts (no fingerprint) are matched. */
export function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function applyTransition(alerts: AlertInstance[], t: Transition): AlertInstance[] {
  const index = alerts.findIndex((a) => a.fingerprint === t.fingerprint);
  if (t.to === 'resolved' || t.to === 'inactive') {
    return index < 0 ? alerts : alerts.filter((_, i) => i !== index);
  }
  const previous = index < 0 ? undefined : alerts[index];
  const next: AlertInstance = {
    alertname: t.alertname,
    labels: t.labels,
    annotations: previous?.annotations ?? {},
    state: t.to,
    activeAt: previous?.activeAt ?? t.at,
    value: t.value ?? previous?.value ?? Number.NaN,
    sla: t.sla,
    fingerprint: t.fingerprint,
  };
  if (t.to === 'firing') next.firedAt = t.at;
  else if (previous?.firedAt !== undefined) next.firedAt = previous.firedAt;
  return index < 0 ? [...alerts, next] : alerts.map((a, i) => (i === index ? next : a));
}

/** The state without its `downSinceMs`: the stream is up again. */
function up(state: LiveState): LiveState {
  const next = { ...state };
  delete next.downSinceMs;
  return next;
}

/** Applies one action to the live state. */
export function reduceLive(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'connecting':
      return state.connection === 'connecting' ? state : { ...state, connection: 'connecting' };
    case 'open':
      return { ...up(state), connection: 'open' };
    case 'down':
      if (state.connection === 'signed_out') return state;
      return {
        ...state,
        connection: 'down',
        downSinceMs:
          state.connection === 'down' && state.downSinceMs !== undefined ? state.downSinceMs : action.atMs,
      };
    case 'signed_out':
      return { ...state, connection: 'signed_out' };
    case 'snapshot': {
      const next: LiveState = {
        ...up(state),
        connection: 'open',
        ready: true,
        lastEventMs: action.atMs,
        statuses: action.data.statuses,
        alerts: action.data.alerts,
      };
      if (action.data.dataSource !== undefined) next.dataSource = action.data.dataSource;
      else delete next.dataSource;
      return next;
    }
    case 'dataSource':
      return { ...state, lastEventMs: action.atMs, dataSource: action.data };
    case 'alert': {
      const history = [...state.history, action.data];
      return {
        ...state,
        lastEventMs: action.atMs,
        alerts: applyTransition(state.alerts, action.data),
        history: history.length > HISTORY_LIMIT ? history.slice(history.length - HISTORY_LIMIT) : history,
      };
    }
    case 'status': {
      const index = state.statuses.findIndex((s) => s.name === action.data.name);
      const statuses =
        index < 0
          ? [...state.statuses, action.data]
          : state.statuses.map((s, i) => (i === index ? action.data : s));
      return { ...state, lastEventMs: action.atMs, statuses };
    }
    case 'run': {
      const previous = state.runs.find((r) => r.id === action.data.id);
      // Events can overtake each other across reconnections: an older transition never replaces a newer one.
      if (previous !== undefined && previous.updatedAt > action.data.updatedAt) return state;
      const runs = [action.data, ...state.runs.filter((r) => r.id !== action.data.id)].slice(0, RUNS_LIMIT);
      return { ...state, lastEventMs: action.atMs, runs };
    }
    case 'annotations': {
      const byLabels = new Map(action.alerts.map((a) => [labelKey(a.labels), a.annotations]));
      let changed = false;
      const alerts = state.alerts.map((a) => {
        const annotations = byLabels.get(labelKey(a.labels));
        if (annotations === undefined || Object.keys(a.annotations).length > 0) return a;
        changed = true;
        return { ...a, annotations };
      });
      return changed ? { ...state, alerts } : state;
    }
  }
}

/** Alerts that arrived as transitions and still lack their annotations (summary, runbook link). */
export function needsAnnotations(state: LiveState): boolean {
  return state.alerts.some((a) => Object.keys(a.annotations).length === 0);
}
