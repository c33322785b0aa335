// A fake fetch for page tests: answers by method and path, records every request.
import { vi } from 'vitest';

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

type Answer = { status?: number; body: unknown } | ((body: unknown) => { status?: number; body: unknown });

/** Installs a fetch that answers `routes['GET /api/v1/x']`; unknown routes answer 404. */
export function fakeFetch(routes: Record<string, Answer>): Recorded[] {
  const calls: Recorded[] = [];
  vi.stubGlobal('fetch', (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://dashboard.test');
    const method = init.method ?? 'GET';
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path: `${url.pathname}${url.search}`, body });
    const route = routes[`${method} ${url.pathname}${url.search}`] ?? routes[`${method} ${url.pathname}`];
    const answer =
      route === undefined
        ? { status: 404, body: { error: { code: 'not_found', message: `no route ${url.pathname}` } } }
        : typeof route === 'function'
          ? route(body)
          : route;
    const status = answer.status ?? 200;
    return Promise.resolve(
      new Response(JSON.stringify(answer.body), { status, headers: { 'content-type': 'application/json' } }),
    );
  });
  return calls;
}
