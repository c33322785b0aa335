// GET /api/v1/events (Server-Sent Events, docs/api.md#events): a `snapshot` on every connection, then
// `alert` transitions and `status` changes. Alerts here are the evaluator's shape: times in ms, the
// value a number, and a `fingerprint` that names the alert across restarts.
import type { AlertInstance, Transition } from '../../../server/evaluate/types';
import type { SlaStatus } from './slas';

export type { AlertInstance, Transition };

export const EVENTS_PATH = '/api/v1/events';

/**
 * Where statuses and alerts come from and whether it answers (docs/api.md#data-source): the embedded
 * evaluator, or Prometheus with `slactl serve --prometheus-url`. Times in RFC 3339, null when unknown.
 */
export interface DataSource {
  kind: 'embedded' | 'prometheus';
  url?: string;
  healthy: boolean;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  /** What is failing, while it fails. */
  error?: string;
}

export interface SnapshotEvent {
  statuses: SlaStatus[];
  alerts: AlertInstance[];
  /** Absent from servers older than the data source. */
  dataSource?: DataSource;
}

export type ServerEvent =
  | { type: 'snapshot'; id: string; data: SnapshotEvent }
  | { type: 'alert'; id: string; data: Transition }
  | { type: 'status'; id: string; data: SlaStatus }
  | { type: 'dataSource'; id: string; data: DataSource };
