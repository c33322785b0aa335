// The dashboard's initial load stays small: the JavaScript and CSS that index.html pulls in (the chart
// library loads later, with the SLA page) gzip to at most 250 KB. Reads the build in dist/web.
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO } from '../server/test-support/server.js';

const DIST = path.join(REPO, 'dist/web');
const LIMIT_BYTES = 250 * 1000;

/** The files index.html loads before the first paint: module scripts, stylesheets, preloads. */
function initialAssets(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) out.add(m[1]!);
  for (const m of html.matchAll(/<link[^>]*\brel="(?:stylesheet|modulepreload)"[^>]*\bhref="([^"]+)"/g))
    out.add(m[1]!);
  for (const m of html.matchAll(/<link[^>]*\bhref="([^"]+)"[^>]*\brel="(?:stylesheet|modulepreload)"/g))
    out.add(m[1]!);
  return [...out].filter((href) => /\.(?:js|css)$/.test(href));
}

const gzipped = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

describe('dashboard bundle size', () => {
  it('finds the initial assets in index.html', () => {
    expect(
      initialAssets(
        '<script type="module" crossorigin src="/assets/index-A1.js"></script><link rel="stylesheet" crossorigin href="/assets/index-B2.css"><link rel="icon" href="/favicon.svg">',
      ),
    ).toEqual(['/assets/index-A1.js', '/assets/index-B2.css']);
  });

  it('loads at most 250 KB of JavaScript and CSS (gzip) before the first page shows', () => {
    expect(existsSync(path.join(DIST, 'index.html')), 'dist/web is built by npm run build').toBe(true);
    const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
    const initial = initialAssets(html);
    expect(initial.some((f) => f.endsWith('.js'))).toBe(true);
    expect(initial.some((f) => f.endsWith('.css'))).toBe(true);
    // index.html has no inline script: the Content-Security-Policy allows none.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const sizes = Object.fromEntries(initial.map((f) => [f, gzipped(path.join(DIST, f))]));
    const initialBytes = Object.values(sizes).reduce((a, b) => a + b, 0);
    const lazy = readdirSync(path.join(DIST, 'assets'))
      .map((f) => `/assets/${f}`)
      .filter((f) => /\.(?:js|css)$/.test(f) && !initial.includes(f));
    const lazyBytes = Object.fromEntries(lazy.map((f) => [f, gzipped(path.join(DIST, f))]));
    mkdirSync(path.join(REPO, 'dist/e2e'), { recursive: true });
    writeFileSync(
      path.join(REPO, 'dist/e2e/bundle-figures.json'),
      `${JSON.stringify({ initialGzipBytes: initialBytes, initial: sizes, lazy: lazyBytes }, null, 2)}\n`,
    );
    process.stdout.write(`\ndashboard initial JS + CSS: ${(initialBytes / 1000).toFixed(1)} KB gzip\n`);
    expect(initialBytes).toBeLessThanOrEqual(LIMIT_BYTES);
    // The SLA page with the chart library is split off.
    expect(lazy.some((f) => /SlaDetailPage/.test(f))).toBe(true);
  });
});
