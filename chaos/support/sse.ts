// A client of the control plane's event stream (GET /api/v1/events) that stays connected while a fault
// lasts, as a dashboard does, and keeps every event with the time it arrived: what the stream announced,
// and whether it stayed open. It does not reconnect: a stream that ended is a finding, not a retry.

/** One event as received. */
export interface ReceivedEvent {
  id: string | undefined;
  event: string;
  data: unknown;
  /** When it arrived (ms since the epoch). */
  atMs: number;
}

export interface EventStream {
  /** Every event so far, in order of arrival. */
  readonly events: readonly ReceivedEvent[];
  /** Whether the stream is still open (it ended neither by itself nor with an error). */
  readonly open: boolean;
  /** Why it ended, when it ended before close(): `ended by the server` or the network error. */
  readonly ended: string | undefined;
  /** Waits until an event matching `match` has arrived (or rejects after `timeoutMs`). */
  waitFor(what: string, match: (e: ReceivedEvent) => boolean, timeoutMs: number): Promise<ReceivedEvent>;
  /** Disconnects (the client leaving, not a failure). */
  close(): Promise<void>;
}

/** Parses one event block of the text/event-stream format (lines `field: value`, `:` comments). */
function parseBlock(block: string, atMs: number): ReceivedEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { id, event, data: parsed, atMs };
}

/** Opens `url`/api/v1/events with a bearer token; resolves once the server answered 200. */
export async function openEventStream(url: string, token: string): Promise<EventStream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (res.status !== 200 || res.body === null) {
    controller.abort();
    throw new Error(`GET /api/v1/events answered ${res.status}: ${await res.text().catch(() => '')}`);
  }
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  let open = true;
  let ended: string | undefined;
  let closing = false;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          if (!closing) ended = 'ended by the server';
          return;
        }
        buffer += value.replace(/\r\n?/g, '\n');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const event = parseBlock(buffer.slice(0, cut), Date.now());
          buffer = buffer.slice(cut + 2);
          if (event !== undefined) events.push(event);
        }
        for (const wake of waiters) wake();
      }
    } catch (error) {
      if (!closing) ended = (error as Error).message;
    } finally {
      open = false;
      for (const wake of waiters) wake();
    }
  })();

  return {
    events,
    get open() {
      return open;
    },
    get ended() {
      return ended;
    },
    async waitFor(what, match, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found !== undefined) return found;
        if (!open) throw new Error(`the event stream ended (${ended ?? 'closed'}) before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event ${what} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
    async close() {
      closing = true;
      controller.abort();
      await pump;
    },
  };
}
