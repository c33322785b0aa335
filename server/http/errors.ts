// One error shape for every API answer: `{"error": {"code", "message", "details"?}}`, never a stack trace.
import type { ErrorRequestHandler, Response } from 'express';
import { diskFullMessage, DISK_FULL_RETRY_AFTER_SECONDS, isDiskFull } from '../store/errors.js';

export interface ErrorDetail {
  /** JSON path or position of the problem, e.g. `signals[3].seconds` or `line 4`. */
  field?: string;
  /** 0-based position of the signal in an ingest batch. */
  index?: number;
  /** 1-based line of an NDJSON ingest body. */
  line?: number;
  message: string;
}

/** An error with an HTTP status that is safe to show to the caller. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendError(res: Response, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({
    error: {
      code: error.code,
      message: error.message,
      ...(error.details.length > 0 ? { details: error.details } : {}),
    },
  });
}

/** Errors body-parser raises, mapped to answers people can act on. */
function fromBodyParser(error: {
  type?: string;
  status?: number;
  limit?: number;
  expose?: boolean;
}): ApiError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new ApiError(413, 'body_too_large', `request body exceeds the limit of ${error.limit} bytes`);
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_encoding', 'request body encoding is not supported (use utf-8)');
    case 'request.aborted':
      return new ApiError(400, 'request_aborted', 'the client aborted the request');
    default:
      // A corrupt compressed body (truncated gzip, `Content-Encoding: br` on plain text): body-parser
      // marks it a client error without a type of its own.
      if (error.expose === true && error.status === 400) {
        return new ApiError(400, 'invalid_body', 'request body could not be decompressed or read');
      }
      return undefined;
  }
}

/** Last middleware: known errors become their answer; anything else a logged 500 without internals. */
export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof ApiError) {
      sendError(res, error);
      return;
    }
    const parsed = fromBodyParser(error as { type?: string; status?: number; expose?: boolean });
    if (parsed) {
      sendError(res, parsed);
      return;
    }
    log.error({ err: error, reqId: req.id }, 'request failed');
    if (isDiskFull(error)) {
      // Every write is one transaction: nothing of this request was stored, and it will pass once the
      // disk has room again (Alertmanager and collectors retry 5xx answers).
      sendError(
        res,
        new ApiError(503, 'store_unavailable', diskFullMessage('nothing of this request was stored'), [], {
          'Retry-After': String(DISK_FULL_RETRY_AFTER_SECONDS),
        }),
      );
      return;
    }
    sendError(
      res,
      new ApiError(
        500,
        'internal',
        `internal error (request id ${typeof req.id === 'string' || typeof req.id === 'number' ? req.id : 'unknown'})`,
      ),
    );
  };
}
