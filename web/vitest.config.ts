// Unit and component tests of the dashboard: data shaping in lib/, components in a DOM (happy-dom).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'happy-dom',
    setupFiles: ['src/test-support/setup.ts'],
    reporters: ['default', '../vitest.summary-reporter.ts'],
  },
});
