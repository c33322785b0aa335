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
}

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
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}
