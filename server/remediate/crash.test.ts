// Crash and resume with real processes: a child runs the engine over a database file and is killed
// with SIGKILL in the middle of a step; a second child resumes from the last checkpoint. The target
// sees every step executed once per Idempotency-Key, and a finished step is never repeated.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunDetail } from './views.js';
import { TargetServer } from './test-support/target-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');
const CHILD = path.join(here, 'test-support', 'crash-child.ts');

interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function child(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: REPO });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      lines.push(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
      buffered = buffered.slice(newline + 1);
    }
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  cleanup.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return {
    process: proc,
    lines,
    exited,
    async waitFor(match, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (proc.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `child ${proc.exitCode === null ? 'timed out' : `exited ${proc.exitCode}`}:\n${JSON.stringify(lines)}\n${stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

async function kill9(c: Child): Promise<void> {
  c.process.kill('SIGKILL');
  await c.exited;
  expect(c.process.signalCode).toBe('SIGKILL');
}

async function setup(): Promise<{ db: string; target: TargetServer; startsAt: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-crash-'));
  const target = await TargetServer.start();
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => target.close());
  return { db: path.join(dir, 'slactl.db'), target, startsAt: String(Date.UTC(2026, 10, 22, 6, 0, 0)) };
}

describe('crash and resume', () => {
  it('retries a step killed mid-call with the same Idempotency-Key; the target executes it once', async () => {
    const { db, target, startsAt } = await setup();
    target.behave(() => ({ stall: true }));

    const first = child([db, target.url, 'start', 'mid-action', startsAt]);
    await first.waitFor((l) => l.to === 'executing');
    await target.waitForRequests(1, 30_000);
    await kill9(first);

    target.behave(() => ({ status: 200, body: { compacted: true } }));
    const second = child([db, target.url, 'resume', 'mid-action', startsAt]);
    const final = (await second.waitFor((l) => l.final !== undefined)).final as RunDetail;
    expect(await second.exited).toBe(0);

    expect(target.requests).toHaveLength(2);
    const keys = new Set(target.requests.map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toBe(final.idempotencyKey);
    expect(target.executions.get(final.idempotencyKey)).toBe(1);
    expect(target.requests.map((r) => r.replay)).toEqual([false, true]);

    expect(final.state).toBe('succeeded');
    expect(final.interruptions).toBe(1);
    expect(final.attempts.map((a) => a.outcome)).toEqual(['interrupted', 'ok']);
    expect(final.transitions.map((t) => t.to)).toEqual(['triggered', 'executing', 'succeeded']);

    // A third start finds nothing to do and calls nothing.
    const third = child([db, target.url, 'idle', 'mid-action', startsAt]);
    const runs = (await third.waitFor((l) => l.final !== undefined)).final as RunDetail[];
    expect(await third.exited).toBe(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.attempts).toHaveLength(2);
    expect(target.requests).toHaveLength(2);
  });

  it('never repeats a finished step: killed while verifying, it resumes verifying without calling again', async () => {
    const { db, target, startsAt } = await setup();
    target.behave(() => ({ status: 200 }));

    const first = child([db, target.url, 'start', 'mid-verify', startsAt]);
    await first.waitFor((l) => l.to === 'verifying');
    await kill9(first);
    expect(target.requests).toHaveLength(1);

    const second = child([db, target.url, 'resume', 'mid-verify', startsAt]);
    const final = (await second.waitFor((l) => l.final !== undefined)).final as RunDetail;
    expect(await second.exited).toBe(0);
    expect(final.state).toBe('succeeded');
    expect(final.attempts.map((a) => a.outcome)).toEqual(['ok']);
    expect(final.transitions.map((t) => t.to)).toEqual(['triggered', 'executing', 'verifying', 'succeeded']);
    expect(target.requests).toHaveLength(1);
    expect(target.executions.get(final.idempotencyKey)).toBe(1);
  });
});
