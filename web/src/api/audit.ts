// GET /api/v1/audit (paged, newest first) and GET /api/v1/audit/verify (the whole chain checked).
import type { AuditEntry } from '../../../server/audit/types';
import type { AuditVerification } from '../../../server/audit/verify';
import { apiGet, queryString } from './http';

export type { AuditEntry };

export type VerificationView = AuditVerification & { checkedAt: string; durationMs: number };

export async function fetchAudit(
  query: { before?: number; limit?: number; kind?: string; subject?: string },
  signal?: AbortSignal,
): Promise<{ data: AuditEntry[]; next?: number }> {
  return apiGet(`/api/v1/audit${queryString(query)}`, signal);
}

export async function verifyAudit(signal?: AbortSignal): Promise<VerificationView> {
  return (await apiGet<{ data: VerificationView }>('/api/v1/audit/verify', signal)).data;
}
