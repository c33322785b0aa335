// Running `slactl serve` as a child process, the way users and CI do, for tests that need a real process:
// start-up output, signals, and kill -9.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { REPO } from './server.js';

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
  const child = spawn(process.execPath, [path.join(REPO, 'bin/slactl.js'), 'serve', '--port', '0', ...args], {
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
