import { describe, expect, it } from 'vitest';
import type { Settings } from '../sla/settings.js';
import {
  ConfigError,
  DEFAULT_LIMITS,
  DEFAULT_PROMETHEUS_TIMEOUT_MS,
  resolveServerConfig,
  type PrometheusFileSettings,
  type ServeFlags,
} from './config.js';

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

describe('resolveServerConfig: Prometheus as the data source', () => {
  // slactl.yaml's `server.prometheus` (validated for types, with positions, by sla/settings.ts).
  const withPrometheus = (prometheus: PrometheusFileSettings) => ({ server: { prometheus } }) as Settings;

  it('is off by default', () => {
    expect(resolveServerConfig({ settings: {}, env: {}, flags: {}, cwd }).prometheus).toBeUndefined();
  });

  it('takes the URL from the file, then SLACTL_PROMETHEUS_URL, then --prometheus-url', () => {
    const settings = withPrometheus({
      url: 'http://file:9090',
      headers: { 'X-Scope-OrgID': 'team-a' },
      bearerTokenFile: 'secrets/prom.token',
      timeout: 5_000,
    });
    expect(resolveServerConfig({ settings, env: {}, flags: {}, cwd }).prometheus).toEqual({
      url: 'http://file:9090',
      headers: { 'X-Scope-OrgID': 'team-a' },
      bearerTokenFile: '/srv/project/secrets/prom.token',
      timeoutMs: 5_000,
    });
    const env = { SLACTL_PROMETHEUS_URL: 'https://thanos.internal/query/' };
    expect(resolveServerConfig({ settings, env, flags: {}, cwd }).prometheus?.url).toBe(
      'https://thanos.internal/query',
    );
    expect(
      resolveServerConfig({ settings, env, flags: { prometheusUrl: 'http://127.0.0.1:9090' }, cwd })
        .prometheus,
    ).toMatchObject({ url: 'http://127.0.0.1:9090', headers: { 'X-Scope-OrgID': 'team-a' } });
    expect(
      resolveServerConfig({ settings: {}, env: {}, flags: { prometheusUrl: 'http://127.0.0.1:9090' }, cwd })
        .prometheus,
    ).toEqual({ url: 'http://127.0.0.1:9090', headers: {}, timeoutMs: DEFAULT_PROMETHEUS_TIMEOUT_MS });
  });

  it('names every bad value and where it came from', () => {
    const problems = (settings: Settings, env: NodeJS.ProcessEnv, flags: ServeFlags) => {
      try {
        resolveServerConfig({ settings, env, flags, cwd });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({}, {}, { prometheusUrl: 'prometheus:9090' })).toEqual([
      '--prometheus-url: expected an http:// or https:// URL, got "prometheus:9090"',
    ]);
    expect(problems({}, { SLACTL_PROMETHEUS_URL: 'file:///etc/passwd' }, {})).toEqual([
      'SLACTL_PROMETHEUS_URL: expected an http:// or https:// URL, got "file:///etc/passwd"',
    ]);
    expect(problems(withPrometheus({ url: 'http://admin:secret@prometheus:9090' }), {}, {})).toEqual([
      'server.prometheus.url: must not carry credentials: use server.prometheus.bearerTokenFile or headers in slactl.yaml',
    ]);
    expect(problems({}, {}, { prometheusUrl: 'http://prometheus:9090/?x=1' })).toEqual([
      '--prometheus-url: must not have a query string or fragment, got "http://prometheus:9090/?x=1"',
    ]);
    expect(problems(withPrometheus({ headers: { 'X-Scope-OrgID': 'a' } }), {}, {})).toEqual([
      'server.prometheus: url is required (or give SLACTL_PROMETHEUS_URL or --prometheus-url)',
    ]);
    expect(
      problems(
        withPrometheus({
          url: 'http://prometheus:9090',
          headers: { 'Bad Header': 'x', 'X-Evil': 'a\r\nInjected: yes', Authorization: 'Bearer t' },
          bearerTokenFile: 'token',
          timeout: 10,
        }),
        {},
        {},
      ),
    ).toEqual([
      'server.prometheus.headers: "Bad Header" is not a header name',
      'server.prometheus.headers.X-Evil: the value must be one line of text',
      'server.prometheus: give either headers.Authorization or bearerTokenFile, not both',
      'server.prometheus.timeout: must be at least 100ms',
    ]);
  });
});
