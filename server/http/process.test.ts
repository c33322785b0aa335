// `slactl serve` as a real process: what `npm start` prints, live status from the demo, graceful
// SIGTERM, and durability of acknowledged signals across kill -9.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../test-support/process.js';

const dirs: string[] = [];
const children: ServerProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-proc-'));
  dirs.push(dir);
  return dir;
}

async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const p = await spawnServer(args, env);
  children.push(p);
  return p;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('slactl serve (npm start)', () => {
  it('prints the URL and a login token, and the demo gives every example SLA live status within a minute', async () => {
    const dir = tempDir();
    const p = await start(['--data-dir', dir]);
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(p.stdout()).toContain(`Open the dashboard: ${p.url}/login?token=${p.token}`);
    expect(p.token).toMatch(/^slactl_/);

    const deadline = Date.now() + 60_000;
    let statuses: Array<{ name: string; status: string }> = [];
    while (Date.now() < deadline) {
      const res = await fetch(`${p.url}/api/v1/slas`, { headers: auth(p.token) });
      statuses = ((await res.json()) as { data: typeof statuses }).data;
      if (statuses.length === 3 && statuses.every((s) => s.status !== 'no_data')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(statuses.map((s) => [s.name, s.status === 'no_data' ? 'no_data' : 'live']).sort()).toEqual([
      ['fraud-scoring', 'live'],
      ['recommendations', 'live'],
      ['search-rag', 'live'],
    ]);

    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toContain('SIGTERM received');
  }, 90_000);

  it('refuses to start on a bad port with a clear message', async () => {
    await expect(spawnServer(['--port', 'eighty', '--data-dir', tempDir()])).rejects.toThrow(
      /--port: expected a port number 0–65535, got "eighty"/,
    );
  });

  it('keeps every acknowledged signal across kill -9', async () => {
    const dir = tempDir();
    const p = await start(['--data-dir', dir, '--no-demo']);
    let acknowledged = 0;
    let sent = 0;
    let stop = false;
    const batch = (n: number) =>
      JSON.stringify({
        signals: Array.from({ length: n }, () => ({
          type: 'request',
          service: 'durability',
          ok: true,
          seconds: 0.01,
        })),
      });
    const client = async () => {
      while (!stop) {
        sent += 100;
        try {
          const res = await fetch(`${p.url}/api/v1/signals`, {
            method: 'POST',
            headers: { ...auth(p.token), 'content-type': 'application/json' },
            body: batch(100),
          });
          if (res.status === 202) acknowledged += 100;
        } catch {
          return; // the server died mid-request: not acknowledged
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((r) => setTimeout(r, 1500));
    p.child.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    await p.exited;
    expect(acknowledged).toBeGreaterThan(0);

    const again = await start(['--data-dir', dir, '--no-demo']);
    expect(again.token).toBe(p.token);
    const metrics = await (await fetch(`${again.url}/metrics`, { headers: auth(again.token) })).text();
    const stored = Number(/^slactl_requests_total\{service="durability"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
    expect(stored).toBeLessThanOrEqual(sent);
    again.child.kill('SIGTERM');
    await again.exited;
  }, 90_000);
});
