// GET /api/v1/audit: pages through the signed audit log. Newest first by default (`before` pages
// further back); with `after`, oldest first from that seq (for tailing). Filters: `kind` (one or
// more, comma-separated) and `subject`. Every bad parameter is named in a 400.
// GET /api/v1/audit/verify: the read-only chain verification `slactl audit verify` runs, as JSON.
import express, { type RequestHandler, type Router } from 'express';
import { AuditError } from '../audit/errors.js';
import { AUDIT_KINDS, isAuditKind } from '../audit/kinds.js';
import {
  MAX_PAGE_LIMIT,
  MAX_SUBJECT_LENGTH,
  type AuditPageQuery,
  type AuditPageSource,
} from '../audit/log.js';
import type { AuditKind } from '../audit/types.js';
import type { AuditVerification } from '../audit/verify.js';
import { ApiError, type ErrorDetail } from './errors.js';

export const DEFAULT_PAGE_LIMIT = 100;

const PARAMS = ['after', 'before', 'limit', 'kind', 'subject'] as const;

function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
}

/** Parses the query string of GET /api/v1/audit, or throws a 400 naming every bad parameter. */
export function parseAuditQuery(query: Record<string, unknown>): AuditPageQuery {
  const details: ErrorDetail[] = [];
  const problem = (field: string, message: string): undefined => {
    details.push({ field, message });
    return undefined;
  };
  const single = (field: string): string | undefined => {
    const value = query[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return problem(field, 'give this parameter once');
    return value;
  };
  const integer = (field: string, min: number, max: number, what: string): number | undefined => {
    const text = single(field);
    if (text === undefined) return undefined;
    const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return problem(field, `expected ${what}, got ${preview(text)}`);
    }
    return value;
  };

  for (const name of Object.keys(query)) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      problem(name, `unknown parameter (this endpoint takes ${PARAMS.join(', ')})`);
    }
  }
  const after = integer('after', 0, Number.MAX_SAFE_INTEGER, 'a seq (an integer ≥ 0)');
  const before = integer('before', 1, Number.MAX_SAFE_INTEGER, 'a seq (an integer ≥ 1)');
  const limit = integer('limit', 1, MAX_PAGE_LIMIT, `an integer from 1 to ${MAX_PAGE_LIMIT}`);

  let kinds: AuditKind[] | undefined;
  const kindText = single('kind');
  if (kindText !== undefined) {
    const names = kindText.split(',').map((k) => k.trim());
    const unknown = names.filter((k) => !isAuditKind(k));
    if (unknown.length > 0) {
      problem('kind', `unknown kind ${unknown.map(preview).join(', ')} (kinds: ${AUDIT_KINDS.join(', ')})`);
    } else {
      kinds = [...new Set(names as AuditKind[])];
    }
  }
  const subject = single('subject');
  if (subject !== undefined && (subject === '' || subject.length > MAX_SUBJECT_LENGTH)) {
    problem('subject', `expected 1 to ${MAX_SUBJECT_LENGTH} characters, got ${subject.length}`);
  }
  if (after !== undefined && before !== undefined && before <= after) {
    problem('before', `must be greater than after (${after}), got ${before}`);
  }

  if (details.length > 0) {
    const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
    throw new ApiError(400, 'invalid_query', `invalid audit query: ${summary}`, details);
  }
  return {
    limit: limit ?? DEFAULT_PAGE_LIMIT,
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(kinds !== undefined ? { kinds } : {}),
    ...(subject !== undefined ? { subject } : {}),
  };
}

/** What the verify route reads: the running log's whole-chain verification (hashes, signatures, links, head). */
export interface AuditVerifySource {
  verify(): AuditVerification;
}

function auditApiError(error: AuditError): ApiError {
  return new ApiError(error.code === 'invalid_query' ? 400 : 500, error.code, error.message);
}

/** The audit routes under /api/v1/audit; `guards.read` is the app's read-scope check. */
export function auditRouter(
  source: AuditPageSource & AuditVerifySource,
  guards: { read: RequestHandler },
): Router {
  const router = express.Router();
  router.get('/api/v1/audit/verify', guards.read, (req, res, next) => {
    try {
      const unknown = Object.keys(req.query);
      if (unknown.length > 0) {
        throw new ApiError(
          400,
          'invalid_query',
          `unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} (this route takes none)`,
          unknown.map((field) => ({ field, message: 'unknown query parameter' })),
        );
      }
      const startedMs = performance.now();
      const result = source.verify();
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        data: {
          ...result,
          checkedAt: new Date().toISOString(),
          durationMs: Math.round((performance.now() - startedMs) * 10) / 10,
        },
      });
    } catch (error) {
      next(error instanceof AuditError ? auditApiError(error) : error);
    }
  });
  router.get('/api/v1/audit', guards.read, (req, res, next) => {
    try {
      const page = source.page(parseAuditQuery(req.query));
      res.setHeader('Cache-Control', 'no-store');
      res.json({ data: page.entries, ...(page.next !== undefined ? { next: page.next } : {}) });
    } catch (error) {
      next(error instanceof AuditError ? auditApiError(error) : error);
    }
  });
  return router;
}
