// GET /api/v1/events (Server-Sent Events, docs/api.md#events): a `snapshot` on every connection, then
// `alert` transitions and `status` changes. Alerts here are the evaluator's shape: times in ms, the
// value a number, and a `fingerprint` that names the alert across restarts.
import type { AlertInstance, Transition } from '../../../server/evaluate/types';
import type { SlaStatus } from './slas';

export type { AlertInstance, Transition };

export const EVENTS_PATH = '/api/v1/events';

export interface SnapshotEvent {
  statuses: SlaStatus[];
  alerts: AlertInstance[];
}

export type ServerEvent =
  | { type: 'snapshot'; id: string; data: SnapshotEvent }
  | { type: 'alert'; id: string; data: Transition }
  | { type: 'status'; id: string; data: SlaStatus };
