// Running `slactl` as a child process, the way users and CI do, for tests that need a real process:
// `serve` (start-up output, signals, and kill -9) and the one-shot commands an operator runs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { REPO } from './server.js';

const SLACTL = path.join(REPO, 'bin/slactl.js');

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  token: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node bin/slactl.js serve --port 0 …` and waits for the banner with the URL and token. */
export async function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SLACTL, 'serve', '--port', '0', ...args], {
    cwd: REPO,
    env: { ...process.env, SLACTL_LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = Date.now();
  while (!/running at (http:\/\/\S+)/.test(out)) {
    if (child.exitCode !== null) throw new Error(`slactl serve exited ${child.exitCode}:\n${out}\n${err}`);
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`slactl serve printed no URL within ${timeoutMs} ms:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /running at (http:\/\/\S+)/.exec(out)![1]!;
  const token = /Admin token \([^)]*\): (\S+)/.exec(out)?.[1] ?? '';
  return { child, url, token, stdout: () => out, stderr: () => err, exited };
}

export interface SlactlRun {
  /** The exit code, or null if a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunSlactlOptions {
  /** Added to the test's environment. */
  env?: NodeJS.ProcessEnv;
  /** SIGKILL after this long (default 60 s), and reject. */
  timeoutMs?: number;
}

/** Runs `node bin/slactl.js …args` (the built CLI, never through a shell) to its end; any exit code resolves. */
export async function runSlactl(args: readonly string[], opts: RunSlactlOptions = {}): Promise<SlactlRun> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [SLACTL, ...args], {
    cwd: REPO,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<SlactlRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`slactl ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': every byte of stdout and stderr has been read by then.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `slactl token create --format json` over a data dir, as an operator gives each client its own scoped
 * token; resolves with the secret. A running server reads tokens from the store at each request, so it
 * knows the new one at once.
 */
export async function createToken(dataDir: string, name: string, scopes: readonly string[]): Promise<string> {
  const args = ['token', 'create', '--name', name, '--scopes', scopes.join(','), '--data-dir', dataDir];
  const run = await runSlactl([...args, '--format', 'json']);
  if (run.code !== 0) throw new Error(`slactl ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  let token: unknown;
  try {
    token = (JSON.parse(run.stdout) as { token?: unknown }).token;
  } catch {
    // reported below with the output
  }
  if (typeof token !== 'string' || !/^\S+$/.test(token))
    throw new Error(`slactl token create printed no token: ${JSON.stringify(run.stdout)}`);
  return token;
}
