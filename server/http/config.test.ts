import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, resolveServerConfig } from './config.js';

const cwd = '/srv/project';

describe('resolveServerConfig', () => {
  it('defaults to loopback, port 8080 and the demo', () => {
    expect(resolveServerConfig({ settings: {}, env: {}, flags: {}, cwd })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/srv/project/.slactl',
      slas: '/srv/project/slas',
      demo: true,
      evaluationIntervalMs: 15_000,
      retentionMs: 35 * 86_400_000,
      publicMetrics: false,
      logLevel: 'info',
      limits: DEFAULT_LIMITS,
    });
  });

  it('layers the file, then the environment, then flags', () => {
    const config = resolveServerConfig({
      settings: {
        server: { port: 9000, host: '127.0.0.2', demo: true, dataDir: 'file-dir', limits: { maxBatch: 500 } },
      },
      env: { SLACTL_PORT: '9100', SLACTL_DEMO: 'false', SLACTL_DATA_DIR: 'env-dir' },
      flags: { port: '9200', dataDir: 'flag-dir' },
      cwd,
    });
    expect(config.port).toBe(9200);
    expect(config.host).toBe('127.0.0.2');
    expect(config.demo).toBe(false);
    expect(config.dataDir).toBe('/srv/project/flag-dir');
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxBatch: 500 });
  });

  it('--no-demo wins over the file', () => {
    const config = resolveServerConfig({
      settings: { server: { demo: true } },
      env: {},
      flags: { demo: false },
      cwd,
    });
    expect(config.demo).toBe(false);
  });

  it('names every bad value and where it came from', () => {
    let error: unknown;
    try {
      resolveServerConfig({
        settings: {},
        env: { SLACTL_PORT: 'eighty', SLACTL_DEMO: 'maybe', SLACTL_RETENTION: '35 days' },
        flags: { port: '70000', logLevel: 'loud' },
        cwd,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'SLACTL_PORT: expected a port number 0–65535, got "eighty"',
      '--port: expected a port number 0–65535, got "70000"',
      'SLACTL_DEMO: expected true or false, got "maybe"',
      'SLACTL_RETENTION: expected a duration such as 15s or 35d, got "35 days"',
      '--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
  });
});
