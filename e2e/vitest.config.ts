// End-to-end tests: the real server as a child process with the demo, driven in Debian's Chromium
// through playwright-core, or through a real Prometheus and Alertmanager (prometheus-path.test.ts, no
// browser). One file at a time; they wait on real alert windows, so timeouts are long.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './vitest.summary-reporter.ts'],
  },
});
