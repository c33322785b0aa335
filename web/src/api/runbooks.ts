// GET /api/v1/runbooks and /api/v1/runbooks/:id (docs/api.md#runbooks): runbooks with their actions,
// each action's policy and the engine's live guard-rail state.
import type { ActionStatus } from '../../../server/remediate/run-engine';
import type {
  CommandActionSpec,
  HttpActionSpec,
  RetryPolicy,
  RunbookSections,
  TemplateParam,
  VerifySpec,
} from '../../../server/remediate/runbook-types';
import { apiGet } from './http';

export type { ActionStatus };

export interface RunbookActionView {
  id: string;
  title: string;
  description?: string;
  kind: 'http' | 'command';
  spec: HttpActionSpec | CommandActionSpec;
  params: Record<string, TemplateParam>;
  auto: boolean;
  approval: 'required' | 'none';
  cooldownMs: number;
  maxRuns: { count: number; windowMs: number };
  timeoutMs: number;
  retries: RetryPolicy;
  verify?: VerifySpec;
  alerts?: string[];
  /** The engine's live view; null when the engine does not know the action. */
  status: ActionStatus | null;
}

export interface RunbookSummary {
  id: string;
  title: string;
  file: string;
  triggers: string[];
  actions: RunbookActionView[];
}

export interface RunbookDetail extends RunbookSummary {
  markdown: string;
  sections: RunbookSections;
}

export async function fetchRunbooks(signal?: AbortSignal): Promise<RunbookSummary[]> {
  return (await apiGet<{ data: RunbookSummary[] }>('/api/v1/runbooks', signal)).data;
}

export async function fetchRunbook(id: string, signal?: AbortSignal): Promise<RunbookDetail> {
  return (await apiGet<{ data: RunbookDetail }>(`/api/v1/runbooks/${encodeURIComponent(id)}`, signal)).data;
}
