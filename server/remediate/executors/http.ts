// Calls an HTTP target for one attempt of an action: a timeout on the whole attempt (redirects and the
// response included), redirects followed by hand and only to the target's own hosts, and an answer
// classified for the retry policy: 2xx done, 5xx/408/425/429/timeouts/network errors retryable,
// anything else final.
import { redactSecrets } from '../targets.js';
import type { AttemptResult } from './types.js';

export interface HttpCall {
  method: string;
  url: string;
  /** Every header to send, Idempotency-Key and the target's (secret) headers included. */
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Hosts a redirect may lead to; any other is refused. */
  redirectHosts: ReadonlySet<string>;
  /** Headers that carry secrets: never forwarded to another origin. */
  secretHeaders: readonly string[];
  /** Secret values, masked in any error text or excerpt kept from the answer. */
  secrets: readonly string[];
  maxRedirects?: number;
}

const EXCERPT_BYTES = 2_048;
const RETRYABLE_STATUS = new Set([408, 425, 429]);

/** Performs one attempt; never throws (every failure is a classified result). */
export async function executeHttp(call: HttpCall, fetchImpl: typeof fetch = fetch): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(call.timeoutMs);
  const maxRedirects = call.maxRedirects ?? 3;
  let url = new URL(call.url);
  let headers: Record<string, string> = { ...call.headers };
  const mask = (text: string) => redactSecrets(text, call.secrets);
  const fail = (
    outcome: 'retryable' | 'fatal',
    reason: string,
    error: string,
    extra: Partial<AttemptResult> = {},
  ) => ({ outcome, reason, error: mask(error), durationMs: elapsed(), ...extra }) satisfies AttemptResult;

  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: call.method,
        headers,
        ...(call.body !== undefined ? { body: call.body } : {}),
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      if (signal.aborted)
        return fail('retryable', 'timeout', `no answer from ${url.host} within ${call.timeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (error as Error).message;
      return fail('retryable', 'network_error', `${call.method} ${url.host} failed: ${detail}`);
    }

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await discard(response);
      if (hop >= maxRedirects) {
        return fail('fatal', 'too_many_redirects', `more than ${maxRedirects} redirects`, {
          status: response.status,
        });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return fail('fatal', 'redirect_refused', `redirect to an unparsable location`, {
          status: response.status,
        });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return fail('fatal', 'redirect_refused', `redirect to a ${next.protocol} URL refused`, {
          status: response.status,
        });
      }
      if (!call.redirectHosts.has(next.hostname)) {
        return fail(
          'fatal',
          'redirect_refused',
          `redirect from ${url.host} to another host (${next.host}) refused`,
          {
            status: response.status,
          },
        );
      }
      const keepsMethod = response.status === 307 || response.status === 308;
      if (!keepsMethod && call.method !== 'GET') {
        return fail(
          'fatal',
          'redirect_refused',
          `a ${response.status} redirect would turn ${call.method} into GET; only 307 and 308 are followed`,
          { status: response.status },
        );
      }
      if (next.origin !== url.origin) {
        const secret = new Set(call.secretHeaders.map((h) => h.toLowerCase()));
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => !secret.has(name.toLowerCase())),
        );
      }
      url = next;
      continue;
    }

    let excerpt: string;
    try {
      excerpt = await readExcerpt(response);
    } catch {
      if (signal.aborted)
        return fail(
          'retryable',
          'timeout',
          `the answer from ${url.host} took more than ${call.timeoutMs} ms`,
        );
      excerpt = '';
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      return {
        outcome: 'ok',
        status,
        durationMs: elapsed(),
        ...(excerpt !== '' ? { output: mask(excerpt) } : {}),
      };
    }
    const retryable = status >= 500 || RETRYABLE_STATUS.has(status);
    const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    return fail(
      retryable ? 'retryable' : 'fatal',
      `http_${status}`,
      `${call.method} ${url.pathname} answered ${status}`,
      {
        status,
        ...(excerpt !== '' ? { output: mask(excerpt) } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    );
  }
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to keep from a redirect's body.
  }
}

/** The start of a response body as text, control characters (but newlines and tabs) removed. */
async function readExcerpt(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
