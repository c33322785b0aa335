// A client that keeps reading a set of API routes while a fault lasts, as a dashboard or a script does,
// and keeps every answer (or the failure to get one) with when it was asked: the scenario then judges
// each answer by the phase of the fault it fell in. Each request has a client timeout, so a hang shows
// as a failure rather than stalling the poller.

/** One request of the poller and what came of it. */
export interface Polled {
  path: string;
  /** When the request was sent and when its answer (or failure) arrived (ms since the epoch). */
  startedMs: number;
  endedMs: number;
  /** The HTTP status; undefined when no answer came (connection error or client timeout). */
  status?: number;
  /** The parsed JSON body, when it was JSON. */
  body?: unknown;
  text?: string;
  /** Why no answer came. */
  failure?: string;
}

export interface ApiPoller {
  /** Every request so far. */
  readonly polled: readonly Polled[];
  /** Ends the loop after the round under way; returns every request. */
  stop(): Promise<Polled[]>;
}

export interface PollOptions {
  /** The control plane's base URL and a token with the read scope. */
  url: string;
  token: string;
  /** Paths with their query, each requested once a round (in parallel). */
  paths: readonly string[];
  /** Pause between rounds. */
  intervalMs: number;
  /** How long one request may take before it counts as a hang. */
  timeoutMs: number;
}

async function once(options: PollOptions, path: string): Promise<Polled> {
  const startedMs = Date.now();
  try {
    const res = await fetch(`${options.url}${path}`, {
      headers: { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { path, startedMs, endedMs: Date.now(), status: res.status, body, text };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`;
    return { path, startedMs, endedMs: Date.now(), failure: why };
  }
}

/** Starts polling every path of `options.paths` each round until stop(). */
export function pollApi(options: PollOptions): ApiPoller {
  const polled: Polled[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      polled.push(...(await Promise.all(options.paths.map((p) => once(options, p)))));
      if (running) await new Promise((r) => setTimeout(r, options.intervalMs));
    }
  })();
  return {
    polled,
    async stop() {
      running = false;
      await loop;
      return polled;
    },
  };
}
