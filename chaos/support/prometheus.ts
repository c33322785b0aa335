// What the "Prometheus down" scenario needs around the real Prometheus of server/test-support: a real
// outage (kill -9 of the process, not a graceful stop), the raw samples it kept, and the control plane's
// /metrics read back. Scoped tokens come from createToken in server/test-support/process.ts.
import { parseExposition } from '../../server/evaluate/test-support/scrape.js';
import type { PrometheusServer } from '../../server/test-support/prometheus.js';

/** A real outage: SIGKILL to Prometheus (no shutdown, no flush); resolves once its port refuses connections. */
export async function killPrometheus(server: PrometheusServer): Promise<{ pid: number }> {
  const { pid } = server;
  server.kill('SIGKILL');
  // stop() of a process that is gone only waits for its exit and forgets it (the folder is ours).
  await server.stop();
  try {
    await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') return { pid };
    throw new Error(`after kill -9, ${server.url} did not refuse connections: ${(error as Error).message}`);
  }
  throw new Error(`after kill -9, ${server.url} still answers`);
}

/** One series of a range-vector answer: its labels and raw samples ([unix seconds, value]). */
export interface RawSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** The raw samples Prometheus holds for `selector` over the last `rangeSeconds` (a range-vector query). */
export async function rawSamples(
  prometheusUrl: string,
  selector: string,
  rangeSeconds: number,
): Promise<RawSeries[]> {
  const body = new URLSearchParams({ query: `${selector}[${Math.ceil(rangeSeconds)}s]` });
  const res = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: RawSeries[] };
  };
  if (json.status !== 'success' || json.data?.resultType !== 'matrix')
    throw new Error(`query ${selector} failed: ${json.error ?? `${res.status} ${json.data?.resultType}`}`);
  return json.data.result;
}

/** The value of each sample of `/metrics` whose series starts with `prefix` (name and maybe labels). */
export function samplesOf(exposition: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of parseExposition(exposition)) if (s.series.startsWith(prefix)) out.set(s.series, s.value);
  return out;
}

/** The sum of the samples of `/metrics` whose series starts with `prefix`. */
export function sumOf(exposition: string, prefix: string): number {
  let sum = 0;
  for (const value of samplesOf(exposition, prefix).values()) sum += value;
  return sum;
}
