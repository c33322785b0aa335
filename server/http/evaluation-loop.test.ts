// The evaluation loop survives a failing cycle: the cycle's error is logged with its message and
// counted on /metrics, and the loop's next cycle runs on schedule and publishes status as usual.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import type { Clock } from '../lib/clock.js';
import { startServer, type RunningServer } from '../main.js';
import { REPO, repoPlans } from '../test-support/server.js';
import { DEFAULT_LIMITS } from './config.js';

/** The wall clock with a fault to arm: its next reading throws, as a failing time source would. */
class FaultyClock implements Clock {
  fault: Error | undefined;
  now(): number {
    const fault = this.fault;
    if (fault !== undefined) {
      this.fault = undefined;
      throw fault;
    }
    return Date.now();
  }
}

interface LogLine {
  level: number;
  msg: string;
  err?: { type: string; message: string };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until<T>(what: string, read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the evaluation loop', () => {
  it('logs and counts a cycle that throws, and runs the next one, which publishes status', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'slactl-loop-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const logged: LogLine[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void logged.push(JSON.parse(line) as LogLine) },
    );
    const clock = new FaultyClock();
    const server: RunningServer = await startServer({
      config: {
        host: '127.0.0.1',
        port: 0,
        dataDir,
        slas: path.join(REPO, 'slas'),
        demo: false,
        evaluationIntervalMs: 200,
        retentionMs: 35 * 86_400_000,
        publicMetrics: false,
        logLevel: 'info',
        limits: DEFAULT_LIMITS,
      },
      plans: await repoPlans(),
      compileSettings: DEFAULT_SETTINGS,
      clock,
      log,
      loops: true,
    });
    cleanups.push(() => server.close());
    const token = server.admin!.token;
    const auth = { authorization: `Bearer ${token}` };

    // Events as they are published, read before the fault so nothing but the loop reads the clock.
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = await fetch(`${server.url}/api/v1/events?access_token=${token}`, {
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += decoder.decode(value);
      }
    })();
    await until('the snapshot event', () => (received.includes('event: snapshot') ? true : undefined));

    clock.fault = new Error('time source unavailable');
    const failure = await until('the failed cycle in the log', () =>
      logged.find((l) => l.msg === 'evaluation cycle failed'),
    );
    expect(failure.level).toBe(50);
    expect(failure.err).toMatchObject({ type: 'Error', message: 'time source unavailable' });
    const afterFailure = received.length;
    const failedAt = Date.now();

    const metrics = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/^slactl_evaluation_errors_total 1$/m);

    // A stalled consumer group: the next cycle puts its alerts in pending and publishes the change.
    const ingest = await fetch(`${server.url}/api/v1/signals`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        signals: [
          {
            type: 'stream',
            service: 'recs-api',
            consumerGroup: 'feature-pipeline',
            lag: 5000,
            consumeRate: 0,
            produceRate: 100,
          },
        ],
      }),
    });
    expect(ingest.status).toBe(202);
    const status = await until('a status event after the failure', () => {
      for (const block of received.slice(afterFailure).split('\n\n')) {
        const data = /^event: status\ndata: (.*)$/m.exec(block)?.[1];
        if (data === undefined) continue;
        const parsed = JSON.parse(data) as { name: string; alerts: { pending: number } };
        if (parsed.name === 'recommendations' && parsed.alerts.pending > 0) return parsed;
      }
      return undefined;
    });
    // Lag that does not drain: stalled, and catching up never (+Inf).
    expect(status.alerts.pending).toBe(2);
    expect(received.slice(afterFailure)).toContain('"alertname":"StreamStalled"');
    expect(received.slice(afterFailure)).toContain('"alertname":"StreamCatchUpSlow"');

    const slas = (await (await fetch(`${server.url}/api/v1/slas`, { headers: auth })).json()) as {
      evaluatedAt: string;
    };
    expect(Date.parse(slas.evaluatedAt)).toBeGreaterThan(failedAt);
    // One failed cycle, and only one: the loop went on and its cycles succeed.
    const after = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    expect(after).toMatch(/^slactl_evaluation_errors_total 1$/m);
    expect(logged.filter((l) => l.level >= 50)).toHaveLength(1);
  });
});
