// The `remediation:` section of slactl.yaml: where actions may go. HTTP targets are named base URLs on
// allow-listed hosts (never a URL from alert content), programs are an allow list of absolute paths,
// and every secret (a target's Authorization header, a command's token) comes from the environment or
// a file, is read at call time, and is shown masked everywhere else.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { hasErrors, sortDiagnostics, type Diagnostic, type Result } from '../lib/diagnostics.js';
import { yamlDiagnostic, type SourceDoc } from '../sla/positions.js';
import { issuesToDiagnostics } from '../sla/zod-diagnostics.js';
import { isSecretKey } from '../audit/redact.js';
import { RemediationError } from './errors.js';
import type { Runbook } from './runbook-types.js';
import { TARGET_PATTERN } from './runbook-schema.js';
import { isShell } from './runbook-slots.js';

/** A secret: an environment variable or a file holding the value, with an optional literal prefix. */
export type SecretRef =
  { env: string; prefix?: string | undefined } | { file: string; prefix?: string | undefined };
/** A header or environment value: a literal (never for secret names) or a secret reference. */
export type ConfiguredValue = string | SecretRef;

export interface TargetConfig {
  /** Base URL; an action's path is appended to it. */
  url: string;
  /** Other hosts this target may redirect to (each also in `remediation.allowHosts`). */
  allowHosts: string[];
  headers: Record<string, ConfiguredValue>;
}

export interface RemediationConfig {
  /**
   * Whether `auto: true` actions start by themselves when their alert fires (default true). False: the
   * alert is recorded and the runbook offers its actions to a person (maturity Level 3, not 4).
   */
  auto: boolean;
  /** Every host an HTTP action may reach. */
  allowHosts: string[];
  targets: Record<string, TargetConfig>;
  commands: {
    /** Absolute paths of the programs `command` actions may run. */
    allow: string[];
    /** Environment of those programs beyond PATH, HOME, LANG, TZ and SLACTL_*. */
    env: Record<string, ConfiguredValue>;
  };
  circuitBreaker: {
    /** Consecutive failed runs of an action that stop its automatic runs. */
    failures: number;
  };
}

export const DEFAULT_BREAKER_FAILURES = 3;

/** No targets, no programs: automation can only fail safely until someone configures it. */
export const EMPTY_REMEDIATION_CONFIG: RemediationConfig = {
  auto: true,
  allowHosts: [],
  targets: {},
  commands: { allow: [], env: {} },
  circuitBreaker: { failures: DEFAULT_BREAKER_FAILURES },
};

/** Headers slactl sets itself, or that would let a config entry smuggle a second request. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'content-type',
  'idempotency-key',
  'x-slactl-run-id',
]);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function custom(
  ctx: z.RefinementCtx,
  message: string,
  code: string,
  pathAt: PropertyKey[] = [],
  hint?: string,
) {
  ctx.addIssue({
    code: 'custom',
    message,
    path: pathAt,
    params: { code, ...(hint !== undefined ? { hint } : {}) },
  });
}

/** A host as URL.hostname spells it: lowercase, no scheme, port or path. */
const host = z.string().superRefine((value, ctx) => {
  let parsed: string | undefined;
  try {
    parsed = new URL(`http://${value}/`).hostname;
  } catch {
    parsed = undefined;
  }
  if (parsed !== value || value === '') {
    custom(
      ctx,
      `${JSON.stringify(value)} is not a host name`,
      'invalid_host',
      [],
      'write the bare host as in a URL, lowercase, without scheme, port or path: search-admin.internal, 10.0.0.7, [::1]',
    );
  }
});

const prefix = z
  .string()
  .max(64)
  .refine((v) => !CONTROL.test(v), { error: 'must not contain control characters' })
  .optional();
const secretRef = z.union(
  [
    z.strictObject({
      env: z.string().regex(ENV_NAME, { error: 'must be an environment variable name' }),
      prefix,
    }),
    z.strictObject({ file: z.string().min(1), prefix }),
  ],
  { error: 'expected {env: NAME} or {file: path} (with an optional prefix)' },
);

/** A literal (checked against its name in `checkValue`) or a secret reference. */
const configuredValue = z.union([z.string(), secretRef], {
  error: 'expected a string, {env: NAME} or {file: path}',
});

const targetSchema = z.strictObject({
  url: z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      custom(ctx, `${JSON.stringify(value)} is not a URL`, 'invalid_url');
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      custom(ctx, `the scheme must be http or https, got ${url.protocol.replace(/:$/, '')}`, 'invalid_url');
    }
    if (url.username !== '' || url.password !== '') {
      custom(
        ctx,
        'credentials do not belong in the URL',
        'credentials_in_url',
        [],
        'use headers: {Authorization: {env: NAME}}',
      );
    }
    if (url.search !== '' || url.hash !== '') {
      custom(ctx, 'a base URL has no query or fragment', 'invalid_url');
    }
  }),
  allowHosts: z.array(host).optional(),
  headers: z.record(z.string(), configuredValue).optional(),
});

export const remediationSchema = z
  .strictObject({
    auto: z
      .boolean()
      .optional()
      .describe('Start auto actions when their alert fires (default true); false offers them to a person'),
    allowHosts: z.array(host).optional(),
    targets: z.record(z.string(), targetSchema).optional(),
    commands: z
      .strictObject({
        allow: z.array(z.string()).optional(),
        env: z.record(z.string(), configuredValue).optional(),
      })
      .optional(),
    circuitBreaker: z
      .strictObject({
        failures: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .describe('Consecutive failed runs that open the breaker, default 3'),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const allowed = new Set(config.allowHosts ?? []);
    for (const [name, target] of Object.entries(config.targets ?? {})) {
      if (!TARGET_PATTERN.test(name)) {
        custom(
          ctx,
          `target name ${JSON.stringify(name)} must match ${TARGET_PATTERN.source}`,
          'invalid_name',
          ['targets', name],
        );
      }
      if (URL.canParse(target.url)) {
        const hostname = new URL(target.url).hostname;
        if (!allowed.has(hostname)) {
          custom(
            ctx,
            `host ${hostname} is not in remediation.allowHosts`,
            'host_not_allowed',
            ['targets', name, 'url'],
            `add ${hostname} to remediation.allowHosts`,
          );
        }
      }
      (target.allowHosts ?? []).forEach((h, i) => {
        if (!allowed.has(h)) {
          custom(ctx, `host ${h} is not in remediation.allowHosts`, 'host_not_allowed', [
            'targets',
            name,
            'allowHosts',
            i,
          ]);
        }
      });
      for (const [header, value] of Object.entries(target.headers ?? {})) {
        checkValue(ctx, ['targets', name, 'headers', header], header, value, 'header');
      }
    }
    (config.commands?.allow ?? []).forEach((program, i) => {
      if (!path.isAbsolute(program)) {
        custom(ctx, `${JSON.stringify(program)} is not an absolute path`, 'relative_program', [
          'commands',
          'allow',
          i,
        ]);
      } else if (isShell(program)) {
        custom(
          ctx,
          `${program} is a shell; a shell turns every argument into code`,
          'shell_program',
          ['commands', 'allow', i],
          'allow the program the shell would run instead',
        );
      }
    });
    for (const [name, value] of Object.entries(config.commands?.env ?? {})) {
      checkValue(ctx, ['commands', 'env', name], name, value, 'variable');
    }
  });

function checkValue(
  ctx: z.RefinementCtx,
  at: PropertyKey[],
  name: string,
  value: ConfiguredValue,
  kind: 'header' | 'variable',
): void {
  if (kind === 'header') {
    if (!HEADER_NAME.test(name)) {
      custom(ctx, `${JSON.stringify(name)} is not a header name`, 'invalid_header', at);
      return;
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      custom(ctx, `header ${name} is set by slactl and cannot be configured`, 'reserved_header', at);
      return;
    }
  } else if (!ENV_NAME.test(name) || name.startsWith('SLACTL_')) {
    custom(
      ctx,
      `${JSON.stringify(name)} is not an environment variable name slactl passes on`,
      'invalid_variable',
      at,
    );
    return;
  }
  if (typeof value === 'string') {
    if (isSecretKey(name)) {
      custom(
        ctx,
        `${name} carries a secret, which must not be written into slactl.yaml`,
        'literal_secret',
        at,
        `read it from the environment or a file: ${name}: {env: SOME_VARIABLE}`,
      );
    } else if (
      CONTROL.test(value) ||
      value.length > 8192 ||
      (kind === 'header' && !/^[\x20-\x7e\t]*$/.test(value))
    ) {
      custom(
        ctx,
        `value must be at most 8192 ${kind === 'header' ? 'visible ASCII characters' : 'characters without control characters'}`,
        'invalid_value',
        at,
      );
    }
  }
}

/** A problem in a remediation config given as data: the dotted path and what is wrong. */
export interface ConfigProblem {
  path: string;
  code: string;
  message: string;
}

function normalise(parsed: z.output<typeof remediationSchema>): RemediationConfig {
  return {
    auto: parsed.auto ?? true,
    allowHosts: parsed.allowHosts ?? [],
    targets: Object.fromEntries(
      Object.entries(parsed.targets ?? {}).map(([name, t]) => [
        name,
        {
          url: t.url,
          allowHosts: t.allowHosts ?? [],
          headers: t.headers ?? {},
        },
      ]),
    ),
    commands: {
      allow: parsed.commands?.allow ?? [],
      env: parsed.commands?.env ?? {},
    },
    circuitBreaker: { failures: parsed.circuitBreaker?.failures ?? DEFAULT_BREAKER_FAILURES },
  };
}

/** Validates a `remediation:` value given as data; problems name fields as `remediation.targets.x.url`. */
export function parseRemediationConfig(
  value: unknown,
): { ok: true; value: RemediationConfig } | { ok: false; problems: ConfigProblem[] } {
  if (value === undefined || value === null) return { ok: true, value: EMPTY_REMEDIATION_CONFIG };
  const parsed = remediationSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: normalise(parsed.data) };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const segments = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const where = ['remediation', ...segments.map(String)].join('.');
      const code =
        issue.code === 'custom'
          ? ((issue.params as { code?: string } | undefined)?.code ?? 'invalid')
          : issue.code;
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
          : issue.message;
      return { path: where, code, message };
    }),
  };
}

const settingsWrapper = z.looseObject({ remediation: remediationSchema.optional().nullable() });

/**
 * Reads the `remediation:` section of a slactl.yaml text (other sections are the settings loader's),
 * with diagnostics positioned at file:line:col.
 */
export function parseRemediationSettings(file: string, text: string): Result<RemediationConfig> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const source: SourceDoc = { file, text, doc, lines };
  const diagnostics: Diagnostic[] = doc.errors.map((error) => yamlDiagnostic(source, error, 'error'));
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: true, value: EMPTY_REMEDIATION_CONFIG, diagnostics };
  }
  const parsed = settingsWrapper.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      diagnostics: sortDiagnostics(issuesToDiagnostics(parsed.error.issues, source, settingsWrapper, data)),
    };
  }
  const section = parsed.data.remediation;
  return { ok: true, value: section == null ? EMPTY_REMEDIATION_CONFIG : normalise(section), diagnostics };
}

/** Where secrets are read from: the process environment and files relative to `baseDir`. */
export interface SecretSource {
  env: NodeJS.ProcessEnv;
  readFile: (file: string) => string;
  /** Directory that relative `{file: …}` paths start from (slactl.yaml's). */
  baseDir: string;
}

/** A configured target, ready to call. */
export interface ResolvedTarget {
  name: string;
  base: URL;
  /** Hosts its redirects may lead to: its own and its `allowHosts`. */
  hosts: ReadonlySet<string>;
}

/** Headers or variables with their secret values resolved, and those values, for masking output. */
export interface ResolvedValues {
  values: Record<string, string>;
  secrets: string[];
}

/** The environment every command gets from the server's own (nothing else leaks into it). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/** The configured targets and programs, with secrets read on demand. */
export class Targets {
  private readonly source: SecretSource;
  private readonly allowHosts: Set<string>;
  /** A copy: `define` adds to it, never to the caller's object. */
  readonly config: RemediationConfig;

  constructor(config: RemediationConfig, source: Partial<SecretSource> = {}) {
    this.config = structuredClone(config);
    this.source = {
      env: source.env ?? process.env,
      readFile: source.readFile ?? ((file) => readFileSync(file, 'utf8')),
      baseDir: source.baseDir ?? process.cwd(),
    };
    this.allowHosts = new Set(config.allowHosts);
  }

  /**
   * Adds (or replaces) a target at run time, validated like one from slactl.yaml: for targets only the
   * composition root knows, such as the demo's own server once it listens. `allowHost` puts its host on
   * the allow list; otherwise the host must already be there. Throws naming the problem.
   */
  define(
    name: string,
    target: { url: string; headers?: Record<string, ConfiguredValue> },
    options: { allowHost?: boolean } = {},
  ): void {
    const host = URL.canParse(target.url) ? new URL(target.url).hostname : undefined;
    const parsed = parseRemediationConfig({
      allowHosts: [...this.allowHosts, ...(options.allowHost === true && host !== undefined ? [host] : [])],
      targets: { [name]: { url: target.url, headers: target.headers ?? {} } },
    });
    if (!parsed.ok) {
      throw new RemediationError(
        'invalid',
        'invalid_target',
        `target ${name}: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    }
    if (options.allowHost === true && host !== undefined) this.allowHosts.add(host);
    this.config.targets[name] = parsed.value.targets[name]!;
  }

  get breakerFailures(): number {
    return this.config.circuitBreaker.failures;
  }

  target(name: string): ResolvedTarget | undefined {
    const t = Object.hasOwn(this.config.targets, name) ? this.config.targets[name] : undefined;
    if (t === undefined) return undefined;
    const base = new URL(t.url);
    return { name, base, hosts: new Set([base.hostname, ...t.allowHosts]) };
  }

  /** Whether the allow list still holds `hostname` (checked again at call time). */
  hostAllowed(hostname: string): boolean {
    return this.allowHosts.has(hostname);
  }

  /** Whether `program` (argv[0]) is on the allow list, compared as exact absolute paths. */
  programAllowed(program: string): boolean {
    return path.isAbsolute(program) && this.config.commands.allow.includes(program) && !isShell(program);
  }

  /** A target's headers with secrets read now; throws `secret_unavailable` naming the source. */
  headers(name: string): ResolvedValues {
    const t = Object.hasOwn(this.config.targets, name) ? this.config.targets[name] : undefined;
    const resolved = this.resolve(t?.headers ?? {}, `target ${name}`);
    for (const [header, value] of Object.entries(resolved.values)) {
      // HTTP header values are visible ASCII; anything else would fail inside fetch, looking like a network error.
      if (!/^[\x20-\x7e\t]*$/.test(value)) {
        throw new RemediationError(
          'unavailable',
          'secret_invalid',
          `target ${name}: the value of header ${header} has characters a header cannot carry`,
        );
      }
    }
    return resolved;
  }

  /** A target's headers as shown in dry runs and run details: secrets replaced by where they come from. */
  maskedHeaders(name: string): Record<string, string> {
    return mask(this.config.targets[name]?.headers ?? {});
  }

  /** The environment of a command: the inherited basics, the configured variables, and `extra`. */
  commandEnv(extra: Record<string, string>): ResolvedValues {
    const own = this.resolve(this.config.commands.env, 'commands.env');
    const values: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      const v = this.source.env[name];
      if (v !== undefined) values[name] = v;
    }
    return { values: { ...values, ...own.values, ...extra }, secrets: own.secrets };
  }

  maskedCommandEnv(): Record<string, string> {
    return mask(this.config.commands.env);
  }

  /** Secrets that cannot be read now (unset variables, unreadable files), by where they come from. */
  secretProblems(): string[] {
    const problems: string[] = [];
    const check = (values: Record<string, ConfiguredValue>, where: string) => {
      try {
        this.resolve(values, where);
      } catch (error) {
        problems.push((error as Error).message);
      }
    };
    for (const name of Object.keys(this.config.targets))
      check(this.config.targets[name]!.headers, `target ${name}`);
    check(this.config.commands.env, 'commands.env');
    return problems;
  }

  /** Actions of `runbooks` this configuration cannot run: unknown targets, programs not allowed. */
  actionProblems(
    runbooks: readonly Runbook[],
  ): Array<{ runbook: string; action: string; file: string; message: string }> {
    const out: Array<{ runbook: string; action: string; file: string; message: string }> = [];
    for (const runbook of runbooks) {
      for (const action of runbook.actions) {
        const spec = action.spec;
        let message: string | undefined;
        if (spec.kind === 'http' && this.target(spec.target) === undefined) {
          message = `target ${spec.target} is not configured in remediation.targets`;
        } else if (spec.kind === 'command' && !this.programAllowed(spec.argv[0] ?? '')) {
          message = `program ${JSON.stringify(spec.argv[0] ?? '')} is not in remediation.commands.allow`;
        }
        if (message !== undefined)
          out.push({ runbook: runbook.id, action: action.id, file: runbook.file, message });
      }
    }
    return out;
  }

  private resolve(values: Record<string, ConfiguredValue>, where: string): ResolvedValues {
    const out: Record<string, string> = {};
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === 'string') {
        out[name] = value;
        continue;
      }
      let secret: string | undefined;
      let origin: string;
      if ('env' in value) {
        origin = `environment variable ${value.env}`;
        secret = this.source.env[value.env];
      } else {
        const file = path.resolve(this.source.baseDir, value.file);
        origin = `file ${file}`;
        try {
          secret = this.source.readFile(file).replace(/[\r\n]+$/, '');
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
          throw new RemediationError(
            'unavailable',
            'secret_unavailable',
            `${where}: ${name} comes from ${origin}, which cannot be read (${code})`,
          );
        }
      }
      if (secret === undefined || secret === '') {
        throw new RemediationError(
          'unavailable',
          'secret_unavailable',
          `${where}: ${name} comes from ${origin}, which is unset or empty`,
        );
      }
      if (CONTROL.test(secret)) {
        throw new RemediationError(
          'unavailable',
          'secret_invalid',
          `${where}: ${name} from ${origin} contains control characters`,
        );
      }
      secrets.push(secret);
      out[name] = (value.prefix ?? '') + secret;
    }
    return { values: out, secrets };
  }
}

function mask(values: Record<string, ConfiguredValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string') out[name] = value;
    else if ('env' in value) out[name] = `${value.prefix ?? ''}[secret from $${value.env}]`;
    else out[name] = `${value.prefix ?? ''}[secret from file ${value.file}]`;
  }
  return out;
}

/** Replaces every occurrence of each secret in `text` (longest first) with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') out = out.split(secret).join('[redacted]');
  }
  return out;
}
