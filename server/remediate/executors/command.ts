// Runs a program for one attempt of an action: argv straight to execve (no shell, so no argument is
// ever parsed as code), a minimal environment, a timeout that kills the whole process group, and
// output capped. Exit 0 is done; exit 75 (EX_TEMPFAIL) and timeouts are retryable; anything else final.
import { spawn } from 'node:child_process';
import { redactSecrets } from '../targets.js';
import type { AttemptResult } from './types.js';

export interface CommandCall {
  argv: readonly string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** Secret values to mask in the kept output. */
  secrets: readonly string[];
  /** Bytes of output kept (the end of it), default 16 KiB. */
  maxOutputBytes?: number;
  /** Grace between SIGTERM and SIGKILL on timeout, default 2 s. */
  killGraceMs?: number;
}

/** sysexits.h EX_TEMPFAIL: "try again later". */
export const EXIT_TEMPFAIL = 75;

/** Runs the program once; never throws (a missing program is a fatal result). */
export function executeCommand(call: CommandCall): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const maxBytes = call.maxOutputBytes ?? 16 * 1024;
  const [program, ...args] = call.argv;
  const mask = (text: string) => redactSecrets(text, call.secrets);
  if (program === undefined) {
    return Promise.resolve({
      outcome: 'fatal',
      reason: 'invalid_action',
      error: 'empty argv',
      durationMs: 0,
    });
  }

  return new Promise((resolve) => {
    let output = Buffer.alloc(0);
    let dropped = 0;
    const keep = (chunk: Buffer) => {
      output = Buffer.concat([output, chunk]);
      if (output.length > maxBytes) {
        dropped += output.length - maxBytes;
        output = output.subarray(output.length - maxBytes);
      }
    };
    const text = () => {
      const kept = output.toString('utf8');
      return mask(dropped > 0 ? `[… ${dropped} bytes cut]\n${kept}` : kept);
    };

    const child = spawn(program, args, {
      shell: false,
      env: call.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout ends whatever it started too.
      detached: true,
      windowsHide: true,
    });
    let timedOut = false;
    let settled = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), call.killGraceMs ?? 2_000).unref();
    }, call.timeoutMs);
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };

    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({
        outcome: 'fatal',
        reason: 'spawn_failed',
        error: mask(`cannot run ${program}: ${error.code ?? error.message}`),
        durationMs: elapsed(),
      });
    });
    child.on('close', (code, signal) => {
      const out = text();
      const extra = out !== '' ? { output: out } : {};
      if (timedOut) {
        finish({
          outcome: 'retryable',
          reason: 'timeout',
          error: `${program} did not finish within ${call.timeoutMs} ms and was killed`,
          durationMs: elapsed(),
          ...extra,
        });
      } else if (code === 0) {
        finish({ outcome: 'ok', exitCode: 0, durationMs: elapsed(), ...extra });
      } else if (code === null) {
        finish({
          outcome: 'fatal',
          reason: `signal_${signal ?? 'unknown'}`,
          error: `${program} was killed by ${signal ?? 'a signal'}`,
          durationMs: elapsed(),
          ...extra,
        });
      } else {
        finish({
          outcome: code === EXIT_TEMPFAIL ? 'retryable' : 'fatal',
          reason: `exit_${code}`,
          exitCode: code,
          error: `${program} exited with ${code}`,
          durationMs: elapsed(),
          ...extra,
        });
      }
    });
  });
}
