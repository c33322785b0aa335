// The harness itself against the real binaries: backfilled samples answer exact instant queries, a
// stopped Prometheus comes back on its port with its data, Alertmanager starts without clustering.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { instantQuery, startAlertmanager, startPrometheus, type ManagedProcess } from './prometheus.js';

const started: ManagedProcess[] = [];
afterAll(async () => {
  for (const p of started) await p.stop();
});

describe('test-support: real Prometheus and Alertmanager', () => {
  it('backfills exact samples, and keeps them across a restart on the same port', async () => {
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
    const lines = ['# TYPE demo_total counter'];
    for (let i = 0; i <= 10; i++) lines.push(`demo_total{service="a"} ${i * 60} ${(t0 + i * 60_000) / 1000}`);
    lines.push('# EOF');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-prom-dir-'));
    const first = await startPrometheus({ backfill: lines.join('\n'), dir });
    started.push(first);
    const at = t0 + 10 * 60_000;
    const rate = await instantQuery(first.url, 'rate(demo_total[5m])', at);
    expect(rate).toHaveLength(1);
    expect(Number(rate[0]!.value[1])).toBeCloseTo(1, 9);
    await first.stop();
    await expect(fetch(`${first.url}/-/ready`)).rejects.toThrow();
    const second = await startPrometheus({ port: first.port, dir });
    started.push(second);
    expect(second.url).toBe(first.url);
    expect(await instantQuery(second.url, 'demo_total', at)).toHaveLength(1);
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts Alertmanager from a configuration with a token file', async () => {
    const am = await startAlertmanager({
      config: [
        'route: { receiver: hook }',
        'receivers:',
        '  - name: hook',
        '    webhook_configs:',
        '      - url: http://127.0.0.1:9/api/v1/alertmanager',
        '        http_config: { authorization: { credentials_file: token } }',
      ].join('\n'),
      files: { token: 'secret\n' },
    });
    started.push(am);
    const res = await fetch(`${am.url}/api/v2/status`);
    expect(res.status).toBe(200);
    const status = (await res.json()) as { cluster: { status: string } };
    expect(status.cluster.status).toBe('disabled');
  });
});
