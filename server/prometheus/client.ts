// A small client of Prometheus' HTTP API (also Thanos Query and Mimir's `/prometheus` prefix): instant
// and range queries over POST, and the active alerts. Every call has a timeout, and every failure is a
// PrometheusError that names the API path and Prometheus' own `errorType`/`error`.
// API reference: https://prometheus.io/docs/prometheus/latest/querying/api/
import { readFile } from 'node:fs/promises';
import { baseUrlProblem } from '../http/config.js';

/** One series of an instant vector (`resultType: vector`). */
export interface VectorSample {
  metric: Record<string, string>;
  /** The sample value as Prometheus writes it: a decimal, `NaN`, `+Inf` or `-Inf`. */
  value: [seconds: number, value: string];
}

/** One series of a range vector (`resultType: matrix`). */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[seconds: number, value: string]>;
}

/** One alert of GET /api/v1/alerts. */
export interface PrometheusApiAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state: string;
  /** RFC 3339 (absent for inactive alerts in some versions). */
  activeAt?: string;
  value: string;
}

export interface PrometheusClientOptions {
  /** Base URL of the API: `http://prometheus:9090`, or with a path prefix (`…/prometheus` for Mimir). */
  url: string;
  /** Extra headers on every request, e.g. `X-Scope-OrgID` for Mimir. */
  headers?: Record<string, string>;
  /** A file holding a bearer token, read at each request (tokens that rotate keep working). */
  bearerTokenFile?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** Why a call to Prometheus failed: unreachable, timed out, an error answer, or an unreadable one. */
export class PrometheusError extends Error {
  override name = 'PrometheusError';
  constructor(
    /** The API path called, e.g. `/api/v1/query`. */
    readonly path: string,
    message: string,
    /** `errorType` of Prometheus' answer, or `timeout`, `unreachable`, `bad_response`, `http_<status>`. */
    readonly errorType: string,
    readonly status?: number,
  ) {
    super(`${path}: ${message}`);
  }
}

interface ApiEnvelope {
  status?: string;
  data?: unknown;
  errorType?: string;
  error?: string;
}

/** How much of a non-JSON error body goes into the message (a proxy's HTML page is not useful whole). */
const BODY_SNIPPET = 200;

/** Parses a sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, decimals, exponents). */
export function sampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Prometheus' HTTP API over fetch. */
export class PrometheusClient {
  readonly url: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PrometheusClientOptions) {
    const problem = baseUrlProblem(options.url);
    if (problem !== undefined) throw new TypeError(`PrometheusClient: url ${problem}`);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
      throw new TypeError(`PrometheusClient: timeoutMs must be a positive number, got ${timeoutMs}`);
    this.url = options.url;
    // `new URL('api/v1/query', base)` would drop the last path segment of a prefix without a slash.
    this.base = options.url.replace(/\/+$/, '');
    this.headers = { ...(options.headers ?? {}) };
    this.timeoutMs = timeoutMs;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** An instant query at `atMs`; the result vector. Scalars come back as one sample without labels. */
  async query(expr: string, atMs: number, signal?: AbortSignal): Promise<VectorSample[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: seconds(atMs) }, signal);
    return vectorOf('/api/v1/query', data);
  }

  /** A range query: one point per step from `startMs` to `endMs` inclusive. */
  async queryRange(
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    signal?: AbortSignal,
  ): Promise<MatrixSeries[]> {
    const data = await this.call(
      '/api/v1/query_range',
      { query: expr, start: seconds(startMs), end: seconds(endMs), step: seconds(stepMs) },
      signal,
    );
    const result = resultOf('/api/v1/query_range', data, 'matrix');
    return result as MatrixSeries[];
  }

  /** The alerts Prometheus' rules hold now (pending and firing). */
  async alerts(signal?: AbortSignal): Promise<PrometheusApiAlert[]> {
    const data = await this.call('/api/v1/alerts', undefined, signal);
    const alerts = (data as { alerts?: unknown } | null)?.alerts;
    if (!Array.isArray(alerts))
      throw new PrometheusError('/api/v1/alerts', 'the answer has no alerts list', 'bad_response');
    return alerts.filter(isAlert);
  }

  private async call(
    path: string,
    form: Record<string, string> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', ...this.headers };
    if (this.options.bearerTokenFile !== undefined) {
      let token: string;
      try {
        token = (await readFile(this.options.bearerTokenFile, 'utf8')).trim();
      } catch (error) {
        throw new PrometheusError(
          path,
          `cannot read the bearer token file ${this.options.bearerTokenFile}: ${(error as Error).message}`,
          'token_file',
        );
      }
      headers.Authorization = `Bearer ${token}`;
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const init: RequestInit = {
      method: form === undefined ? 'GET' : 'POST',
      headers:
        form === undefined ? headers : { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      redirect: 'error',
    };
    if (form !== undefined) init.body = new URLSearchParams(form).toString();
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(`${this.base}${path}`, init);
      text = await res.text();
    } catch (error) {
      if (timeout.aborted)
        throw new PrometheusError(path, `no answer within ${this.timeoutMs} ms from ${this.url}`, 'timeout');
      if (signal?.aborted) throw new PrometheusError(path, 'cancelled', 'cancelled');
      throw new PrometheusError(path, `${this.url} is unreachable: ${causeOf(error)}`, 'unreachable');
    }
    let body: ApiEnvelope | undefined;
    try {
      body = JSON.parse(text) as ApiEnvelope;
    } catch {
      body = undefined;
    }
    if (body === undefined || typeof body !== 'object' || body === null) {
      const snippet = text.replace(/\s+/g, ' ').trim().slice(0, BODY_SNIPPET);
      throw new PrometheusError(
        path,
        `HTTP ${res.status} from ${this.url}, not a Prometheus API answer${snippet === '' ? '' : `: ${snippet}`}`,
        res.ok ? 'bad_response' : `http_${res.status}`,
        res.status,
      );
    }
    if (body.status !== 'success') {
      const type =
        typeof body.errorType === 'string' && body.errorType !== '' ? body.errorType : `http_${res.status}`;
      const message =
        typeof body.error === 'string' && body.error !== '' ? body.error : `status ${String(body.status)}`;
      throw new PrometheusError(path, `${type}: ${message} (HTTP ${res.status})`, type, res.status);
    }
    return body.data;
  }
}

function seconds(ms: number): string {
  return String(ms / 1000);
}

/** The innermost cause of a fetch failure (`ECONNREFUSED`, a DNS error) in words. */
function causeOf(error: unknown): string {
  let e: unknown = error;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code !== undefined && !e.message.includes(code) ? `${code} ${e.message}` : e.message;
  }
  return String(e);
}

function resultOf(path: string, data: unknown, expected: 'vector' | 'matrix'): unknown[] {
  const { resultType, result } = (data ?? {}) as { resultType?: unknown; result?: unknown };
  if (resultType !== expected || !Array.isArray(result))
    throw new PrometheusError(
      path,
      `expected a ${expected} result, got ${String(resultType)}`,
      'bad_response',
    );
  return result;
}

function vectorOf(path: string, data: unknown): VectorSample[] {
  const { resultType, result } = (data ?? {}) as { resultType?: unknown; result?: unknown };
  // A scalar expression (`vector(1)` is a vector, `1` a scalar) answers [time, "value"].
  if (resultType === 'scalar' && Array.isArray(result))
    return [{ metric: {}, value: result as [number, string] }];
  return resultOf(path, data, 'vector') as VectorSample[];
}

function isAlert(value: unknown): value is PrometheusApiAlert {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Partial<PrometheusApiAlert>;
  return typeof a.labels === 'object' && a.labels !== null && typeof a.state === 'string';
}
