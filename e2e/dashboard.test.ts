// The dashboard end to end, as the on-call engineer uses it: the real server with the demo as a child
// process, Debian's Chromium. Sign in with the printed URL, see every SLA, inject index_degradation from
// the demo panel, watch VectorRecallBelowTarget appear without a reload, clear it and watch it resolve;
// the stream going down shows the stale banner and comes back after a restart. Saves a screenshot of
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
  server = await startE2eServer();
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

  it('clears the fault from the demo panel and the alert resolves on the overview without a reload', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('[data-live-alerts]').waitFor();
    const mark = await markPage();
    await page.getByRole('link', { name: 'Demo faults' }).click();
    await page.getByRole('button', { name: 'Clear index_degradation on recommendations' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Cleared index_degradation' }).count())
      .toBe(1);
    await api('/api/v1/demo/faults', { method: 'DELETE' });
    await page
      .getByRole('link', { name: /^Overview/ })
      .first()
      .click();
    await page.locator('[data-live-alerts]').waitFor();
    await page
      .locator('[data-live-alerts] tr[data-alertname="VectorRecallBelowTarget"]')
      .waitFor({ state: 'detached', timeout: ALERT_RESOLVES_MS });
    expect(await pageMark()).toBe(mark);
    expect(await page.locator('article[data-sla="recommendations"]').getAttribute('data-status')).not.toBe(
      'critical',
    );
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
