// The one way the dashboard talks to the server: same-origin fetch with the session cookie, JSON in and
// out, and the API's error shape (`{"error": {"code", "message"}}`, docs/api.md) turned into ApiRequestError.

/** An API answer that was not 2xx, or a request that never got an answer. */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The API's snake_case error code (`network_error` when unreachable). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The session cookie is missing, expired or its token was revoked: only signing in again helps. */
  get signedOut(): boolean {
    return this.status === 401;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

async function failure(res: Response): Promise<ApiRequestError> {
  let body: ErrorBody | undefined;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    body = undefined;
  }
  const code = typeof body?.error?.code === 'string' ? body.error.code : `http_${res.status}`;
  const message =
    typeof body?.error?.message === 'string' ? body.error.message : `${res.status} ${res.statusText}`.trim();
  return new ApiRequestError(res.status, code, message);
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiRequestError(0, 'network_error', 'the server cannot be reached');
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** GET a JSON resource of the API. */
export function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>('GET', path, undefined, signal);
}

/** POST, PUT or DELETE with a JSON body (the browser adds the Origin header the API checks). */
export function apiSend<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body);
}

/** `?a=1&b=2` from the defined entries of `params`. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
