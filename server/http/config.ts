// The server's configuration: defaults, then slactl.yaml's `server:` section, then SLACTL_* environment
// variables, then command-line flags. Every bad value is reported with where it came from.
import path from 'node:path';
import { parseDuration } from '../lib/units.js';
import type { Settings } from '../sla/settings.js';

const DAY = 86_400_000;

export interface ServerLimits {
  maxBodyBytes: number;
  maxBatch: number;
  maxSeriesPerService: number;
  maxConcurrentIngest: number;
}

/** Prometheus as the data source (`slactl serve --prometheus-url`, docs/prometheus.md). */
export interface PrometheusConfig {
  /** Base URL of the HTTP API, path prefix included (Thanos Query, Mimir's `/prometheus`). */
  url: string;
  /** Extra headers on every request (`X-Scope-OrgID` for Mimir). */
  headers: Record<string, string>;
  /** Absolute path of a file holding a bearer token, read at each request. */
  bearerTokenFile?: string;
  timeoutMs: number;
}

/** slactl.yaml `server.prometheus`, typed and positioned by sla/settings.ts (`timeout` in ms). */
export type PrometheusFileSettings = NonNullable<NonNullable<Settings['server']>['prometheus']>;

export interface ServerConfig {
  host: string;
  port: number;
  /** Absolute path. */
  dataDir: string;
  /** Absolute path of the SLA file or folder. */
  slas: string;
  demo: boolean;
  evaluationIntervalMs: number;
  retentionMs: number;
  publicMetrics: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  limits: ServerLimits;
  /** Read statuses, alerts and series from Prometheus instead of the embedded evaluator. */
  prometheus?: PrometheusConfig;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxBatch: 10_000,
  maxSeriesPerService: 20_000,
  maxConcurrentIngest: 16,
};

/** Flags of `slactl serve`, already typed by the argument parser. */
export interface ServeFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  slas?: string;
  demo?: boolean;
  logLevel?: string;
  prometheusUrl?: string;
}

/** The default timeout of one request to Prometheus. */
export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 10_000;

/** Checks a Prometheus base URL; the problem in words, or undefined when it is usable. */
export function baseUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
  if (parsed.username !== '' || parsed.password !== '')
    return 'must not carry credentials: use server.prometheus.bearerTokenFile or headers in slactl.yaml';
  if (parsed.search !== '' || parsed.hash !== '')
    return `must not have a query string or fragment, got ${JSON.stringify(url)}`;
  return undefined;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Merges the layers; throws ConfigError listing every problem (`SLACTL_PORT: …`, `--port: …`). */
export function resolveServerConfig(input: {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  flags: ServeFlags;
  cwd: string;
}): ServerConfig {
  const problems: string[] = [];
  const file = input.settings.server ?? {};
  const { env, flags } = input;

  const port = (text: string, source: string): number | undefined => {
    if (!/^\d+$/.test(text) || Number(text) > 65535) {
      problems.push(`${source}: expected a port number 0–65535, got ${JSON.stringify(text)}`);
      return undefined;
    }
    return Number(text);
  };
  const bool = (text: string, source: string): boolean | undefined => {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    problems.push(`${source}: expected true or false, got ${JSON.stringify(text)}`);
    return undefined;
  };
  const durationMs = (text: string, source: string): number | undefined => {
    const parsed = parseDuration(text);
    if (!parsed.ok || parsed.value <= 0) {
      problems.push(`${source}: expected a duration such as 15s or 35d, got ${JSON.stringify(text)}`);
      return undefined;
    }
    return parsed.value;
  };
  const level = (text: string, source: string): ServerConfig['logLevel'] | undefined => {
    if ((LOG_LEVELS as readonly string[]).includes(text)) return text as ServerConfig['logLevel'];
    problems.push(`${source}: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
    return undefined;
  };
  const pick = <T>(...values: Array<T | undefined>): T | undefined => {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== undefined) return values[i];
    return undefined;
  };
  const fromEnv = <T>(name: string, parse: (text: string, source: string) => T | undefined) => {
    const text = env[name];
    return text === undefined || text === '' ? undefined : parse(text, name);
  };

  const config: ServerConfig = {
    host: pick(file.host, env.SLACTL_HOST || undefined, flags.host) ?? '127.0.0.1',
    port:
      pick(
        file.port,
        fromEnv('SLACTL_PORT', port),
        flags.port === undefined ? undefined : port(flags.port, '--port'),
      ) ?? 8080,
    dataDir: path.resolve(
      input.cwd,
      pick(file.dataDir, env.SLACTL_DATA_DIR || undefined, flags.dataDir) ?? '.slactl',
    ),
    slas: path.resolve(input.cwd, pick(file.slas, env.SLACTL_SLAS || undefined, flags.slas) ?? 'slas'),
    demo: pick(file.demo, fromEnv('SLACTL_DEMO', bool), flags.demo) ?? true,
    evaluationIntervalMs:
      pick(file.evaluationInterval, fromEnv('SLACTL_EVALUATION_INTERVAL', durationMs)) ?? 15_000,
    retentionMs: pick(file.retention, fromEnv('SLACTL_RETENTION', durationMs)) ?? 35 * DAY,
    publicMetrics: pick(file.publicMetrics, fromEnv('SLACTL_PUBLIC_METRICS', bool)) ?? false,
    logLevel:
      pick(
        file.logLevel,
        fromEnv('SLACTL_LOG_LEVEL', level),
        flags.logLevel === undefined ? undefined : level(flags.logLevel, '--log-level'),
      ) ?? 'info',
    limits: { ...DEFAULT_LIMITS, ...stripUndefined(file.limits ?? {}) },
  };
  if (config.evaluationIntervalMs < 1000) problems.push('evaluationInterval must be at least 1s');
  const prometheus = resolvePrometheus(
    file.prometheus,
    env.SLACTL_PROMETHEUS_URL || undefined,
    flags.prometheusUrl,
    input.cwd,
    problems,
  );
  if (prometheus !== undefined) config.prometheus = prometheus;
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `server.prometheus` of the file, with the URL from SLACTL_PROMETHEUS_URL or --prometheus-url on top. */
function resolvePrometheus(
  file: PrometheusFileSettings | undefined,
  envUrl: string | undefined,
  flagUrl: string | undefined,
  cwd: string,
  problems: string[],
): PrometheusConfig | undefined {
  const sources: Array<[string | undefined, string]> = [
    [file?.url, 'server.prometheus.url'],
    [envUrl, 'SLACTL_PROMETHEUS_URL'],
    [flagUrl, '--prometheus-url'],
  ];
  let url: string | undefined;
  let source = '';
  for (const [value, name] of sources) {
    if (value !== undefined) {
      url = value;
      source = name;
    }
  }
  if (url === undefined) {
    if (file !== undefined && Object.keys(file).length > 0)
      problems.push('server.prometheus: url is required (or give SLACTL_PROMETHEUS_URL or --prometheus-url)');
    return undefined;
  }
  const problem = baseUrlProblem(url);
  if (problem !== undefined) {
    problems.push(`${source}: ${problem}`);
    return undefined;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(file?.headers ?? {})) {
    if (!HEADER_NAME.test(name))
      problems.push(`server.prometheus.headers: ${JSON.stringify(name)} is not a header name`);
    else if (typeof value !== 'string' || /[\r\n\0]/.test(value))
      problems.push(`server.prometheus.headers.${name}: the value must be one line of text`);
    else headers[name] = value;
  }
  const authorization = Object.keys(headers).find((n) => n.toLowerCase() === 'authorization');
  if (authorization !== undefined && file?.bearerTokenFile !== undefined)
    problems.push(`server.prometheus: give either headers.${authorization} or bearerTokenFile, not both`);
  const timeoutMs = file?.timeout ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
  if (!(timeoutMs >= 100) || !Number.isFinite(timeoutMs))
    problems.push(`server.prometheus.timeout: must be at least 100ms`);
  return {
    // The API paths are appended to the base: a trailing slash would double.
    url: url.replace(/\/+$/, ''),
    headers,
    ...(file?.bearerTokenFile !== undefined
      ? { bearerTokenFile: path.resolve(cwd, file.bearerTokenFile) }
      : {}),
    timeoutMs,
  };
}

function stripUndefined<T extends object>(value: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}
