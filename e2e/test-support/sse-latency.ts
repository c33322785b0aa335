// Measures the time from a server event to the DOM update it causes, in the page itself: a wrapper
// around EventSource sees each `alert` and `status` event before the app does, and a MutationObserver
// notes when the DOM first shows what the event says. The server's own time of the event (`at` of a
// transition, `evaluatedAt` of a status: the evaluation that produced it) is the start; server and
// browser share this machine's clock.

export interface LatencySample {
  type: 'alert' | 'status';
  what: string;
  /** Server event time → DOM showing it (ms). */
  totalMs: number;
  /** Browser receiving the event → DOM showing it (ms). */
  renderMs: number;
  /** When the browser received the event (ms since the epoch). */
  receivedAtMs: number;
}

export interface LatencyReport {
  samples: LatencySample[];
  /** Events whose DOM update never showed within the timeout (another page was open). */
  unmatched: string[];
}

declare global {
  interface Window {
    __sseLatency?: LatencyReport;
    /** Set by the test (`context.exposeFunction`): receives each sample, across page loads. */
    __reportSseLatency?: (sample: LatencySample | { unmatched: string }) => Promise<void>;
  }
}

/** The page script (runs before the app: `page.addInitScript(installSseLatencyProbe)`). */
export function installSseLatencyProbe(): void {
  const report: LatencyReport = { samples: [], unmatched: [] };
  window.__sseLatency = report;
  const TIMEOUT_MS = 5000;
  const esc = (s: string) => s.replace(/["\\]/g, '\\$&');

  type Check = () => boolean;
  const conditionOf = (
    type: string,
    data: Record<string, unknown>,
  ): { check: Check; what: string; at: number } | undefined => {
    if (type === 'alert') {
      const fp = esc(String(data.fingerprint));
      const to = String(data.to);
      const what = `${String(data.alertname)} → ${to}`;
      const at = Number(data.at);
      if (to === 'pending' || to === 'firing') {
        return {
          what,
          at,
          check: () =>
            document.querySelector(`[data-live-alerts] tr[data-fingerprint="${fp}"][data-state="${to}"]`) !==
            null,
        };
      }
      return {
        what,
        at,
        check: () =>
          document.querySelector('[data-live-alerts]') !== null &&
          document.querySelector(`[data-live-alerts] tr[data-fingerprint="${fp}"]`) === null,
      };
    }
    if (type === 'status') {
      const name = esc(String(data.name));
      const alerts = data.alerts as { firing: number; pending: number };
      const dims = data.dimensions as Record<string, string>;
      const card = `article[data-sla="${name}"][data-status="${String(data.status)}"][data-firing="${alerts.firing}"][data-pending="${alerts.pending}"]`;
      return {
        what: `${String(data.name)} status ${String(data.status)} (${alerts.firing} firing, ${alerts.pending} pending)`,
        at: Number(data.evaluatedAt),
        check: () => {
          const el = document.querySelector(card);
          if (el === null) return false;
          return Object.entries(dims).every(
            ([d, h]) => el.querySelector(`[data-dimension="${d}"][data-health="${h}"]`) !== null,
          );
        },
      };
    }
    return undefined;
  };

  const pending = new Set<{
    check: Check;
    what: string;
    at: number;
    receivedAt: number;
    type: 'alert' | 'status';
    deadline: number;
  }>();
  const sweep = () => {
    const now = Date.now();
    for (const p of pending) {
      if (p.check()) {
        const sample = {
          type: p.type,
          what: p.what,
          totalMs: now - p.at,
          renderMs: now - p.receivedAt,
          receivedAtMs: p.receivedAt,
        };
        report.samples.push(sample);
        void window.__reportSseLatency?.(sample);
        pending.delete(p);
      } else if (now > p.deadline) {
        report.unmatched.push(p.what);
        void window.__reportSseLatency?.({ unmatched: p.what });
        pending.delete(p);
      }
    }
  };
  new MutationObserver(sweep).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    characterData: true,
  });
  setInterval(sweep, 250);

  const Native = window.EventSource;
  class Probed extends Native {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      for (const type of ['alert', 'status'] as const) {
        this.addEventListener(type, (ev: MessageEvent<string>) => {
          const receivedAt = Date.now();
          const condition = conditionOf(type, JSON.parse(ev.data) as Record<string, unknown>);
          // Already on the page (a snapshot got there first): nothing of this event to render.
          if (condition && !condition.check())
            pending.add({ ...condition, receivedAt, type, deadline: receivedAt + TIMEOUT_MS });
        });
      }
    }
  }
  window.EventSource = Probed;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
