// Polls a control plane's /healthz while a fault lasts: every answer must be a 200, and the latencies
// show whether the fault stalled the server (figures, not pass/fail: the machine is shared).

export interface HealthFigures {
  polls: number;
  ok: number;
  /** Answers other than 200 and failed connections, with what they were. */
  failures: string[];
  p50Ms: number;
  maxMs: number;
}

/** Starts polling `url`/healthz every `intervalMs`; `stop()` ends it and returns the figures. */
export function probeHealth(url: string, intervalMs = 100): { stop(): Promise<HealthFigures> } {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`status ${res.status}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((x, y) => x - y);
      return {
        polls: latencies.length,
        ok: latencies.length - failures.length,
        failures,
        p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
        maxMs: sorted[sorted.length - 1] ?? 0,
      };
    },
  };
}

/** The figures as one line for an inventory note. */
export function describeHealth(h: HealthFigures): string {
  return `/healthz: ${h.ok}/${h.polls} answered 200, p50 ${h.p50Ms.toFixed(0)} ms, max ${h.maxMs.toFixed(0)} ms`;
}
