// One `vitest run` for every test: the server's and the dashboard's together, then the end-to-end tests
// alone (they drive a real server and Chromium and measure latencies, so they get the machine to
// themselves), then the chaos suite alone (it kills servers, fills a disk and stalls targets; one file
// at a time). One closing summary line for CI.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './vitest.summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'server',
          include: ['server/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: './web/vitest.config.ts',
        root: './web',
        test: { name: 'web', sequence: { groupOrder: 0 } },
      },
      { extends: './e2e/vitest.config.ts', root: '.', test: { name: 'e2e', sequence: { groupOrder: 1 } } },
      {
        test: {
          name: 'chaos',
          include: ['chaos/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 4 * 60_000,
          hookTimeout: 2 * 60_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
