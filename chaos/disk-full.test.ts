// Chaos: the data dir's disk fills up while the control plane ingests. Ingest must answer a clear 5xx
// that says the disk is full (no stack trace), the server must stay up and healthy, nothing already
// acknowledged (202) may be lost, the database must pass SQLite's integrity check and the audit chain
// must verify; once space returns, ingest works again without a restart. The data dir is a small tmpfs
// of its own, mounted for the test (the suite runs as root, here and on CI).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { amAlert, notification } from './support/alertmanager.js';
import { cleanups } from './support/cleanup.js';
import {
  auditVerifyCli,
  spawnPlane,
  type Answer,
  type Api,
  type ChildPlane,
} from './support/control-plane.js';
import { fillDisk, freeBytes, mountTmpfs, unmountTmpfs } from './support/disk.js';
import { describeHealth, probeHealth } from './support/health.js';
import { Inventory } from './support/inventory.js';
import { integrityCheck } from './support/sqlite-check.js';

const defer = cleanups();

const DISK_BYTES = 16 * 1024 * 1024;
const SERVICE = 'recs-api';
const FEATURES_PER_BATCH = 200;

interface Batch {
  no: number;
  /** feature → lookups reported (one null_rate signal per feature). */
  totals: Map<string, number>;
  body: string;
}

function batch(no: number): Batch {
  const totals = new Map<string, number>();
  const signals = [];
  for (let i = 0; i < FEATURES_PER_BATCH; i++) {
    const feature = `chaos_b${no}_f${i}`;
    const total = 1 + ((no + i) % 9);
    totals.set(feature, total);
    signals.push({ type: 'null_rate', service: SERVICE, feature, nulls: 1, total });
  }
  return { no, totals, body: JSON.stringify({ signals }) };
}

/** slactl_feature_lookups_total per feature of the chaos service, from /metrics. */
async function lookups(api: Api): Promise<Map<string, number>> {
  const text = (await api.request('GET', '/metrics')).text;
  const out = new Map<string, number>();
  const line = /^slactl_feature_lookups_total\{([^}]*)\} (\S+)$/gm;
  for (const match of text.matchAll(line)) {
    const labels = match[1]!;
    if (!labels.includes(`service="${SERVICE}"`)) continue;
    const feature = /feature="([^"]+)"/.exec(labels)?.[1];
    if (feature !== undefined) out.set(feature, Number(match[2]));
  }
  return out;
}

/** How many features of `batches` the store holds with exactly their acknowledged total. */
function matching(stored: Map<string, number>, batches: readonly Batch[]): number {
  let n = 0;
  for (const b of batches) for (const [feature, total] of b.totals) if (stored.get(feature) === total) n++;
  return n;
}

const features = (batches: readonly Batch[]) => batches.reduce((n, b) => n + b.totals.size, 0);

describe('chaos: the data dir runs out of disk', () => {
  it('answers a clear 5xx, stays up, loses nothing acknowledged, and ingests again when space returns', async () => {
    const inv = new Inventory('data dir disk full while ingesting, then space returns');
    const root = mkdtempSync(path.join(os.tmpdir(), 'slactl-chaos-disk-'));
    defer(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    mountTmpfs(dataDir, DISK_BYTES);
    defer(() => unmountTmpfs(dataDir));
    inv.did(`mounted a ${DISK_BYTES / 1024 / 1024} MiB tmpfs as the data dir`);
    const config = path.join(root, 'slactl.yaml');
    writeFileSync(config, 'server:\n  limits:\n    maxSeriesPerService: 1000000\n');
    const planes: ChildPlane[] = [];
    defer(async () => {
      for (const p of planes) await p.kill9();
    });
    const start = async () => {
      const plane = await spawnPlane(dataDir, config);
      planes.push(plane);
      return plane;
    };
    const plane = await start();
    const { api } = plane;

    const acked: Batch[] = [];
    const refused: Array<{ batch: Batch; answer: Answer }> = [];
    const other: Answer[] = [];
    let next = 0;
    const ingest = async (b: Batch): Promise<Answer> => {
      const answer = await api.request('POST', '/api/v1/signals', b.body);
      if (answer.status === 202) acked.push(b);
      return answer;
    };
    const alert = (tier: string) =>
      notification([
        amAlert(
          'firing',
          { alertname: 'SLOLatencyBurnRateHigh', sla: 'recommendations', burn_tier: tier, severity: 'page' },
          Date.now() - 60_000,
        ),
      ]);

    // Before: an alert (audited) and a few batches, all acknowledged.
    const alertBefore = await api.deliver(alert('page-fast'));
    for (let i = 0; i < 4; i++) await ingest(batch(next++));
    inv.did(`before: alert delivered (${alertBefore.status}), ${acked.length} batches acknowledged`);

    // The disk fills up while ingest goes on.
    const probe = probeHealth(api.url);
    defer(() => probe.stop());
    const filler = path.join(dataDir, 'filler');
    const filled = fillDisk(filler);
    inv.did(`filler file wrote ${(filled / 1024 / 1024).toFixed(1)} MiB; ${freeBytes(dataDir)} bytes left`);
    // Ingest goes on until it is refused, and the disk stays full a few seconds more, so the server's
    // loops (evaluation every second, remediation polling) run against a full disk too.
    const deadline = Date.now() + 60_000;
    let fullSince: number | undefined;
    while (
      Date.now() < deadline &&
      next < 300 &&
      (fullSince === undefined || Date.now() - fullSince < 3_000)
    ) {
      const b = batch(next++);
      const answer = await ingest(b);
      if (answer.status === 202) continue;
      if (answer.status >= 500) refused.push({ batch: b, answer });
      else other.push(answer);
      fullSince ??= Date.now();
      await new Promise((r) => setTimeout(r, 250));
    }
    const alertWhileFull = await api.deliver(alert('page-slow'));
    const healthWhileFull = await api.request('GET', '/healthz');
    const upWhileFull = plane.process.child.exitCode === null && plane.process.child.signalCode === null;
    inv.did(
      `while full: ${acked.length} batches acknowledged in all, ${refused.length} refused ` +
        `(${refused.map((r) => r.answer.status).join(', ')}); alert delivery answered ${alertWhileFull.status}`,
    );

    // Space returns: the refused batches are sent again, as a client does, without restarting anything.
    rmSync(filler);
    const retried: Answer[] = [];
    for (const r of refused) retried.push(await ingest(r.batch));
    const fresh = await ingest(batch(next++));
    const alertRetried =
      alertWhileFull.status === 200 ? alertWhileFull : await api.deliver(alert('page-slow'));
    inv.did(
      `space freed: refused batches sent again (${retried.map((x) => x.status).join(', ')}), ` +
        `a new one (${fresh.status}), the alert again (${alertRetried.status})`,
    );
    const health = await probe.stop();
    const live = await lookups(api);
    const auditLive = await api.audit();
    await plane.stop();
    const integrity = integrityCheck(path.join(dataDir, 'slactl.db'));
    const cli = await auditVerifyCli(dataDir);
    inv.did(
      `stopped (SIGTERM): integrity_check says ${integrity.join('; ')}; audit verify exited ${cli.code}`,
    );
    const again = await start();
    const afterRestart = await lookups(again.api);
    await again.stop();
    inv.did('restarted on the same data dir and read everything back');

    // --- the inventory ------------------------------------------------------------------------------
    inv.fact(
      'the disk filled up: ingest was refused at least once',
      refused.length > 0,
      `${refused.length} refused`,
    );
    const first = refused[0]?.answer;
    const error = (first?.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    inv.fact(
      'refused with 503 store_unavailable and Retry-After',
      first?.status === 503 &&
        error?.code === 'store_unavailable' &&
        first.headers.get('retry-after') !== null,
      `${first?.status ?? '-'} ${error?.code ?? ''}, Retry-After ${first?.headers.get('retry-after') ?? 'none'}`,
    );
    inv.fact(
      'the message says the disk is full',
      /disk[^.]*full|no space left/i.test(error?.message ?? ''),
      JSON.stringify(error?.message ?? first?.text ?? ''),
    );
    inv.fact(
      'no stack trace or internals in any answer',
      [...refused.map((r) => r.answer), alertWhileFull].every(
        (x) => !/\n\s+at |\.ts:\d|\.js:\d|SqliteError/.test(x.text),
      ),
    );
    inv.fact(
      'an alert delivery while full is stored (200) or refused with a clear 5xx naming the disk',
      alertWhileFull.status === 200 ||
        (alertWhileFull.status === 503 && /disk[^.]*full|no space left/i.test(alertWhileFull.text)),
      `${alertWhileFull.status} ${alertWhileFull.text.slice(0, 160)}`,
    );
    inv.tally('answers other than 202 or 5xx while full', 0, other.length);
    inv.fact('the server process stayed up while the disk was full', upWhileFull);
    inv.fact(
      '/healthz answered 200 while the disk was full',
      healthWhileFull.status === 200,
      String(healthWhileFull.status),
    );
    inv.tally('/healthz polls → answered 200', health.polls, health.ok);
    const before = acked.filter((b) => !refused.some((r) => r.batch === b));
    inv.tally(
      'signals acknowledged (202) before space returned → readable, exact totals',
      features(before),
      matching(live, before),
    );
    const retriedOk = refused.filter((_, i) => retried[i]?.status === 202).map((r) => r.batch);
    inv.tally('refused batches → accepted when sent again', refused.length, retriedOk.length);
    inv.tally(
      'signals of refused batches → stored once (after the retry), not twice',
      features(refused.map((r) => r.batch)),
      matching(
        live,
        refused.map((r) => r.batch),
      ),
    );
    inv.tally('new ingest after space returned → 202', 1, fresh.status === 202 ? 1 : 0);
    inv.tally(
      'signals acknowledged → readable after a restart',
      features(acked),
      matching(afterRestart, acked),
    );
    inv.tally(
      'alert deliveries acknowledged → in the audit log',
      [alertBefore, alertRetried].filter((x) => x.status === 200).length,
      auditLive.filter((e) => e.kind === 'alert_received').length,
    );
    inv.fact('SQLite integrity_check', integrity.length === 1 && integrity[0] === 'ok', integrity.join('; '));
    inv.fact(
      '`slactl audit verify` exits 0',
      cli.code === 0 && (cli.result as { ok?: boolean }).ok === true,
      `${(cli.result as { entries?: number }).entries ?? '?'} entries`,
    );
    inv.note(describeHealth(health));
    inv.note(`first refusal: ${first?.status ?? '-'} ${first?.text.slice(0, 300) ?? ''}`);
    const logged = plane.process.stderr() + plane.process.stdout();
    const cause = /"err":\{[^}]*"code":"([A-Z_]+)"/.exec(logged)?.[1] ?? /SQLITE_[A-Z_]+/.exec(logged)?.[0];
    inv.note(`the server logged the cause as ${cause ?? 'nothing recognisable'}`);
    inv.settle();
  });
});
