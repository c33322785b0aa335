// The dashboard end to end, as the on-call engineer uses it: the real server with the demo as a child
// process (automatic remediation off), Debian's Chromium. Sign in with the printed URL, see every SLA,
// inject index_degradation from the demo panel, watch VectorRecallBelowTarget appear without a reload,
// open the incident view and follow the highlighted path to the vector index runbook, dry-run, then run
// the remediation and see the run succeed and the alert resolve; runs and the verified audit log; the
// stream going down shows the stale banner and comes back after a restart. Saves a screenshot of
// each page into docs/screenshots/ and the SSE → DOM latency into dist/e2e/dashboard-figures.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, repoPlans } from '../server/test-support/server.js';
import { launchChromium } from './test-support/browser.js';
import { startE2eServer, type E2eServer } from './test-support/server.js';
import {
  installSseLatencyProbe,
  percentile,
  type LatencyReport,
  type LatencySample,
} from './test-support/sse-latency.js';

const SCREENSHOTS = path.join(REPO, 'docs/screenshots');
const FIGURES = path.join(REPO, 'dist/e2e/dashboard-figures.json');
/** Recall needs 20 probes (about 50 s of the demo) before its rule may judge. */
const ALERT_APPEARS_MS = 180_000;
/** The 10-minute recall window must see healthy probes again; from a fresh store that takes minutes. */
const ALERT_RESOLVES_MS = 9 * 60_000;

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
/** Every SSE event's way to the DOM, across page loads (the page script reports each). */
const latency: LatencyReport = { samples: [], unmatched: [] };
/**
 * When the test itself kept the browser busy (full-page screenshots re-lay out the page; a second page
 * loading): events handled then are left out of the figure, which is about the dashboard, not the test.
 */
const busy: Array<[number, number]> = [];
async function busyWhile<T>(work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await work();
  } finally {
    busy.push([start, Date.now()]);
  }
}
/** JavaScript and CSS as transferred (encoded bytes) for the first page, by URL. */
const initialTransfer = new Map<string, number>();

async function shot(name: string, target: Page = page): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await busyWhile(async () => {
    await target.evaluate(() => window.scrollTo(0, 0));
    await target.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  });
}

async function api<T>(pathname: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${server.url}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...init.headers },
  });
  expect(res.ok, `${pathname}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

/** A value set in the page: still there later means the page was never reloaded. */
async function markPage(): Promise<string> {
  const mark = `m${Math.random()}`;
  await page.evaluate((m) => ((window as unknown as { __mark: string }).__mark = m), mark);
  return mark;
}
const pageMark = () => page.evaluate(() => (window as unknown as { __mark?: string }).__mark);

function watch(p: Page): void {
  p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  p.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
}

beforeAll(async () => {
  // Automatic remediation off: the alert is recorded and the runbook offers its actions to a person,
  // so the test dry-runs and runs the remediation itself (maturity Level 3 rather than 4).
  server = await startE2eServer({ config: 'remediation:\n  auto: false\n' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  await context.exposeFunction('__reportSseLatency', (sample: LatencySample | { unmatched: string }) => {
    if ('unmatched' in sample) latency.unmatched.push(sample.unmatched);
    else latency.samples.push(sample);
  });
  await context.addInitScript(installSseLatencyProbe);
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

describe('the on-call dashboard against the real server', () => {
  it('shows a sign-in page, and no data, to a browser without a session', async () => {
    const res = await page.goto(`${server.url}/slas/recommendations`);
    expect(res?.status()).toBe(401);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in to slactl' }).isVisible()).toBe(true);
    expect(await page.content()).not.toContain('recs-api');
    await shot('sign-in');
  });

  it('signs in with the printed login URL and lands on the overview with every SLA', async () => {
    expect(server.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?token=slactl_/);
    const sizes: Array<Promise<void>> = [];
    const onFinished = (request: Request) => {
      if (request.resourceType() !== 'script' && request.resourceType() !== 'stylesheet') return;
      sizes.push(request.sizes().then((s) => void initialTransfer.set(request.url(), s.responseBodySize)));
    };
    page.on('requestfinished', onFinished);
    await page.goto(server.loginUrl);
    expect(page.url()).toBe(`${server.url}/`);
    const cookie = (await context.cookies()).find((c) => c.name === 'slactl_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');

    const names = (await repoPlans()).map((p) => p.name).sort();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      await page.locator(`article[data-sla="${name}"]`).waitFor({ timeout: 15_000 });
      for (const dimension of ['latency', 'availability', 'freshness', 'recall']) {
        expect(
          await page.locator(`article[data-sla="${name}"] [data-dimension="${dimension}"]`).count(),
        ).toBe(1);
      }
    }
    expect((await page.locator('article[data-sla]').all()).length).toBe(names.length);
    await expect.poll(() => page.locator('[data-connection="open"]').count()).toBe(1);
    page.off('requestfinished', onFinished);
    await Promise.all(sizes);
    expect([...initialTransfer.keys()].some((u) => u.endsWith('.js'))).toBe(true);
    expect([...initialTransfer.keys()].some((u) => u.endsWith('.css'))).toBe(true);
    await shot('overview');
  });

  it('injects index_degradation from the demo panel and shows VectorRecallBelowTarget without a reload', async () => {
    // Faults on the other SLAs too: their alerts come and go while the page is open, more live
    // transitions for the SSE → DOM figure.
    await api('/api/v1/demo/faults', {
      method: 'POST',
      body: JSON.stringify({ kind: 'error_spike', sla: 'fraud-scoring' }),
    });
    await api('/api/v1/demo/faults', {
      method: 'POST',
      body: JSON.stringify({ kind: 'model_slowdown', sla: 'search-rag' }),
    });
    const mark = await markPage();
    await page.getByRole('link', { name: 'Demo faults' }).click();
    await page.getByRole('heading', { name: 'Demo faults' }).waitFor();
    await page.getByRole('button', { name: 'Inject index_degradation on recommendations' }).click();
    await expect
      .poll(() =>
        page.getByRole('status').filter({ hasText: 'Injected index_degradation on recommendations' }).count(),
      )
      .toBe(1);
    await shot('demo');

    await page
      .getByRole('link', { name: /^Overview/ })
      .first()
      .click();
    const row = page.locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"]');
    await row.waitFor({ timeout: ALERT_APPEARS_MS });
    expect(await row.getAttribute('data-state')).toMatch(/^(pending|firing)$/);
    expect(await row.textContent()).toContain('recommendations');
    expect(await pageMark()).toBe(mark);
    await shot('overview-alert');

    // Dark mode, the same page.
    await busyWhile(async () => {
      const dark = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
      await dark.addCookies(await context.cookies());
      const darkPage = await dark.newPage();
      watch(darkPage);
      await darkPage.goto(`${server.url}/`);
      await darkPage.locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"]').waitFor();
      await shot('overview-dark', darkPage);
      await dark.close();
    });
  });

  it('opens the alert and its SLA by deep link, with the recall chart and the latency budget', async () => {
    const mark = await markPage();
    const link = page.locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"] a.alert-name');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/alerts\/[0-9a-f]+$/);
    await link.click();
    await page.getByRole('heading', { name: 'VectorRecallBelowTarget' }).waitFor();
    expect(await page.locator('.alert-page').textContent()).toContain('index=products');
    await shot('alert');

    await page.getByRole('link', { name: 'recommendations' }).first().click();
    await page.getByRole('heading', { name: 'recommendations', level: 1 }).waitFor();
    await page
      .locator('figure[data-chart="Recall@10: products"] .recharts-surface')
      .waitFor({ timeout: 30_000 });
    await page.locator('.budget-table tr[data-component="vector_search"]').waitFor();
    expect(await pageMark()).toBe(mark);
    await shot('sla-detail');

    // The same page loaded straight from its address (a deep link in an alert or a chat message).
    await page.goto(`${server.url}/slas/recommendations?range=15m`);
    await page.getByRole('heading', { name: 'recommendations', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: '15m' }).getAttribute('aria-current')).toBe('page');
    await page.goto(`${server.url}${href!}`);
    await page.getByRole('heading', { name: 'VectorRecallBelowTarget' }).waitFor();
  });

  it('walks the incident view to the vector index runbook, dry-runs, runs the remediation and sees it succeed and the alert resolve, without a reload', async () => {
    await page.goto(`${server.url}/`);
    const row = page.locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"]');
    await row.waitFor();
    // Wait for the alert to fire (its `for` is 5 minutes), so the run is verified against a firing alert
    // that must really resolve, not a pending one.
    await page
      .locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"][data-state="firing"]')
      .waitFor({ timeout: 9 * 60_000 });
    const mark = await markPage();
    // remediation.auto is off: the alert fired and no run started by itself.
    expect((await api<{ data: unknown[] }>('/api/v1/runs')).data).toEqual([]);

    // Alert → incident view: the whole tree, the path highlighted down to the vector index runbook.
    await row.locator('a.alert-name').click();
    await page.getByRole('link', { name: 'Open the incident view' }).click();
    await page.getByRole('heading', { name: 'Incident: recommendations', level: 1 }).waitFor();
    const leafRunbook = page.getByTestId('leaf-runbook');
    await leafRunbook.waitFor({ timeout: 30_000 });
    expect(await leafRunbook.getAttribute('href')).toMatch(
      /^\/runbooks\/vector-index-degradation(\?alert=[0-9a-f]+)?$/,
    );
    const leaf = page.locator('.incident-page li[data-mark="leaf"]');
    expect(await leaf.count()).toBe(1);
    expect(await page.locator('.incident-page li[data-mark="path"]').count()).toBeGreaterThanOrEqual(1);
    // Selecting the answer's node (a deep link) shows the evidence that matched there.
    const leafId = await leaf.getAttribute('data-node');
    await leaf.locator('a.tree-link').first().click();
    await page.locator(`.node-detail[data-node="${leafId}"]`).waitFor();
    expect(page.url()).toBe(`${server.url}/incidents/recommendations?node=${encodeURIComponent(leafId!)}`);
    expect(
      await page.locator('.node-detail .evidence tr[data-matched="true"]').count(),
    ).toBeGreaterThanOrEqual(1);
    const treeNodes = await page.locator('.incident-page li[data-node]').count();
    expect(treeNodes).toBe(
      (await api<{ data: { nodes: unknown[] } }>('/api/v1/triage/tree')).data.nodes.length,
    );
    await shot('incident');
    // The same deep link in dark mode, in a second browser context.
    const incidentUrl = page.url();
    await busyWhile(async () => {
      const dark = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
      await dark.addCookies(await context.cookies());
      const darkPage = await dark.newPage();
      watch(darkPage);
      await darkPage.goto(incidentUrl);
      await darkPage.locator('.incident-page li[data-mark="leaf"]').waitFor({ timeout: 30_000 });
      await shot('incident-dark', darkPage);
      await dark.close();
    });

    // The runbook: Markdown rendered through the real sanitiser (not the escaped fallback), the actions.
    await leafRunbook.click();
    const title = page.locator('.runbook-page .page-head h1');
    await title.waitFor({ timeout: 30_000 });
    expect(await title.textContent()).toMatch(/^Vector index degradation/);
    await page.locator('.markdown h1, .markdown h2').first().waitFor();
    expect(await page.locator('.markdown-fallback').count()).toBe(0);
    expect(await page.locator('.markdown script, .markdown [onerror]').count()).toBe(0);
    const card = page.locator('article[data-action="compact-index"]');
    expect(await card.getByTestId('policy-compact-index').textContent()).toContain('remediation.auto is off');
    // compact-index answers VectorRecallBelowTarget: its labels fill the call.
    expect(await card.getByTestId('labels-compact-index').textContent()).toMatch(
      /Labels from VectorRecallBelowTarget .*index=products/,
    );
    await shot('runbook');

    // Dry-run: exactly the POST that a run sends, secrets masked; nothing is sent.
    await card.getByRole('button', { name: 'Dry-run compact-index' }).click();
    const dry = page.getByTestId('dry-run-dialog');
    await dry.getByTestId('request-line').waitFor();
    expect((await dry.getByTestId('request-line').textContent())?.trim()).toBe(
      `POST ${server.url}/api/v1/demo/remediate/compact-index`,
    );
    expect(JSON.parse((await dry.getByTestId('request-body').textContent()) ?? '')).toEqual({
      sla: 'recommendations',
      index: 'products',
    });
    const dryText = (await dry.textContent()) ?? '';
    expect(dryText).toContain('Idempotency-Key');
    expect(dryText).toContain('allowed now');
    expect(dryText).not.toMatch(/slactl_[A-Za-z0-9_-]{20,}/);
    await shot('dry-run');
    await page.keyboard.press('Escape');
    await dry.waitFor({ state: 'detached' });
    expect((await api<{ data: unknown[] }>('/api/v1/runs')).data).toEqual([]);

    // Run, after a confirmation that shows the same call.
    await card.getByRole('button', { name: 'Run compact-index', exact: true }).click();
    const confirm = page.getByTestId('confirm-dialog');
    await confirm.getByTestId('request-line').waitFor();
    await confirm.getByRole('button', { name: 'Run compact-index now' }).click();
    await page.waitForURL(/\/runs\/[0-9A-Za-z]+$/);
    const runPage = page.locator('.run-page');
    await runPage.waitFor();
    const seen = new Set<string>();
    const started = Date.now();
    while (Date.now() - started < ALERT_RESOLVES_MS) {
      const state = await runPage.getAttribute('data-state');
      if (state !== null) seen.add(state);
      if (state === 'succeeded' || state === 'failed' || state === 'escalated') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await runPage.getAttribute('data-state')).toBe('succeeded');
    expect(
      await page
        .locator('[data-testid="run-timeline"] li')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-to'))),
    ).toEqual(['triggered', 'executing', 'verifying', 'succeeded']);
    // The page followed the run by itself (the stream's `run` events): every state it showed is one of
    // the run's, in order, ending with succeeded. (A fast run may finish before the page first reads it.)
    const timeline = ['triggered', 'executing', 'verifying', 'succeeded'];
    const shown = [...seen];
    expect(shown.at(-1)).toBe('succeeded');
    expect(shown.map((x) => timeline.indexOf(x))).toEqual(
      [...shown.map((x) => timeline.indexOf(x))].sort((a, b) => a - b),
    );
    expect(shown.every((x) => timeline.includes(x))).toBe(true);
    expect(await pageMark()).toBe(mark);
    await shot('run');

    // The alert resolved on the overview, still without a reload.
    await page
      .getByRole('link', { name: /^Overview/ })
      .first()
      .click();
    await page.locator('[data-live-alerts]').waitFor();
    await page
      .locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"]')
      .waitFor({ state: 'detached', timeout: 60_000 });

    // The runs list and the audit log with its verification.
    await page.getByRole('link', { name: /^Runs/ }).first().click();
    await page.locator('[data-testid="runs-table"] tr[data-state="succeeded"]').waitFor();
    await shot('runs');
    await page.getByRole('link', { name: 'Audit' }).first().click();
    const verification = page.getByTestId('audit-verification');
    await verification.waitFor();
    expect(await verification.getAttribute('data-ok')).toBe('true');
    await page.locator('[data-testid="audit-table"] tr[data-kind="run_created"]').first().waitFor();
    expect(await pageMark()).toBe(mark);
    await shot('audit');

    await api('/api/v1/demo/faults', { method: 'DELETE' });
    await page
      .getByRole('link', { name: /^Overview/ })
      .first()
      .click();
    await page.locator('article[data-sla]').first().waitFor();
  });

  it('shows the stale banner while the server is down and goes live again after a restart', async () => {
    const mark = await markPage();
    await server.stop();
    const banner = page.getByTestId('stale-banner');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('Data is stale');
    // Stale but available: the last data stays on the page.
    expect(await page.locator('article[data-sla]').count()).toBeGreaterThan(0);
    await shot('stale');
    await server.restart();
    await page.locator('[data-connection="open"]').waitFor({ timeout: 30_000 });
    await banner.waitFor({ state: 'detached' });
    expect(await pageMark()).toBe(mark);
  });

  it('updated the DOM quickly after each server event, and broke no Content-Security-Policy rule', () => {
    const overlapsBusy = (s: LatencySample) =>
      busy.some(([from, to]) => s.receivedAtMs <= to && s.receivedAtMs + s.renderMs >= from);
    const report = { samples: latency.samples.filter((s) => !overlapsBusy(s)), unmatched: latency.unmatched };
    const excluded = latency.samples.length - report.samples.length;
    const total = report.samples.map((s) => s.totalMs);
    const render = report.samples.map((s) => s.renderMs);
    const transferBytes = [...initialTransfer.values()].reduce((a, b) => a + b, 0);
    const figures = {
      measuredAt: new Date().toISOString(),
      initialTransfer: { bytes: transferBytes, files: Object.fromEntries(initialTransfer) },
      samples: report.samples.length,
      excludedWhileTestBusy: excluded,
      unmatched: report.unmatched.length,
      eventToDomMs: { p50: percentile(total, 50), p95: percentile(total, 95), max: Math.max(...total) },
      receiveToDomMs: { p50: percentile(render, 50), p95: percentile(render, 95), max: Math.max(...render) },
      detail: report.samples,
    };
    mkdirSync(path.dirname(FIGURES), { recursive: true });
    writeFileSync(FIGURES, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(
      `\nSSE event → DOM: ${figures.samples} events (${excluded} left out: screenshot or second page), p50 ${figures.eventToDomMs.p50} ms, p95 ${figures.eventToDomMs.p95} ms, max ${figures.eventToDomMs.max} ms\n`,
    );
    expect(transferBytes).toBeGreaterThan(0);
    expect(transferBytes).toBeLessThanOrEqual(250 * 1000);
    expect(report.samples.length).toBeGreaterThanOrEqual(5);
    // The target is a p95 of 250 ms; a shared CI machine gets headroom, a regression does not.
    expect(figures.eventToDomMs.p95).toBeLessThan(1000);
    expect(problems).toEqual([]);
  });
});
