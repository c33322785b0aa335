// What the "Prometheus down" scenario needs around the real Prometheus of server/test-support: scoped
// tokens (created with the CLI, as an operator does), a real outage (kill -9 of the
// process, not a graceful stop), the raw samples it kept, and the control plane's /metrics read back.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseExposition } from '../../server/evaluate/test-support/scrape.js';
import { PROMETHEUS_BIN, type PrometheusServer } from '../../server/test-support/prometheus.js';
import { REPO } from '../../server/test-support/server.js';

const run = promisify(execFile);

/**
 * `slactl token create` over a data dir, as an operator gives each client its own scoped token (read
 * is all a Prometheus scrape needs). The built CLI through execFile, never a shell; the running server
 * reads tokens from the store at each request, so it knows the new one at once.
 */
export async function createToken(dataDir: string, name: string, scopes: readonly string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      path.join(REPO, 'bin/slactl.js'),
      'token',
      'create',
      '--name',
      name,
      '--scopes',
      scopes.join(','),
      '--data-dir',
      dataDir,
    ],
    { cwd: REPO },
  );
  const token = stdout.trim();
  if (!/^\S+$/.test(token))
    throw new Error(`slactl token create printed no token: ${JSON.stringify(stdout)}`);
  return token;
}

/** Our own child process of Debian's Prometheus whose TSDB is in `dir`/data (read from /proc). */
function pidOf(dir: string): number {
  const wanted = `--storage.tsdb.path=${path.join(dir, 'data')}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] !== PROMETHEUS_BIN || !argv.includes(wanted)) continue;
      // stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  if (found.length !== 1)
    throw new Error(`expected one Prometheus child process over ${dir}, found ${found.length}`);
  return found[0]!;
}

/** A real outage: SIGKILL to Prometheus (no shutdown, no flush); resolves once its port refuses connections. */
export async function killPrometheus(server: PrometheusServer): Promise<{ pid: number }> {
  const pid = pidOf(server.dir);
  process.kill(pid, 'SIGKILL');
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
