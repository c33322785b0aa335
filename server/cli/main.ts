// The `slactl` command line: parses flags and hands over to one command module.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { processIo, UsageError, type Io } from './io.js';
// Each command's module is imported when that command runs: `serve` pulls in the whole server
// (OpenTelemetry, Express, SQLite), which would add about a second to every `slactl validate` or
// `slactl compile` that never uses it.

const HELP = `slactl — SLA control plane for real-time AI systems

Usage: slactl <command> [options]

Commands:
  validate [paths…]             check SLA files (default: slas/)
      --format text|json
  compile [paths…]              compile SLAs into Prometheus rules, promtool tests,
      --out <dir>               latency budgets and Alertmanager routing (default: alerts/)
      --check                   fail if the output folder is stale, writing nothing
      --config <file>           settings file (default: slactl.yaml)
      --jobs <n>                threads for 2,000+ files (default: all cores)
      --target <t>              prometheus (default) or prometheus-operator: a
                                PrometheusRule per SLA and an AlertmanagerConfig
      --namespace <ns>          metadata.namespace of the resources (operator target)
      --label <key=value>       extra resource label, repeatable (operator target)
      --webhook-secret <s:key>  Secret with the webhook token (default slactl-webhook:token)
  diff --base <git-ref> [paths…]
      --format markdown|json    objectives, budgets and alerts changed since the ref
  budget <name> [paths…]        the latency budget table of one SLA
      --format text|json
  schema [--out <file>] [--check]
                                the JSON Schema of the SLA spec (slas/schema.json)
  serve                         run the control plane (what \`npm start\` runs)
      --host <addr>             interface to bind (default 127.0.0.1)
      --port <n>                port (default 8080)
      --data-dir <dir>          SQLite store and first admin token (default .slactl)
      --slas <path>             SLA file or folder (default slas)
      --demo | --no-demo        run the demo simulator or not (default: run it)
      --log-level <level>       fatal error warn info debug trace silent
      --prometheus-url <url>    read statuses, alerts and series from Prometheus'
                                HTTP API instead of the embedded evaluator
      --config <file>           settings file (default slactl.yaml)
  replay --signals <file.ndjson> [--slas <path>] [--sla <name>]
                                run recorded signals through the evaluator and
                                print the alert timeline
      --step <duration>         evaluation interval (default 15s)
      --format text|json
      --config <file>           settings file (default: slactl.yaml)
  runbooks check                runbooks and the decision tree: unknown alerts, missing
      --dir <dir>               runbooks, runbook_url links that do not resolve,
      --alerts <dir>            unreachable runbooks (default runbooks/, alerts/)
      --format text|json
  triage [--sla <name>]         walk the incident decision tree against the running
      --url <base>              server (default http://127.0.0.1:8080)
      --token <t>               read token (default $SLACTL_TOKEN)
      --format text|json
  audit verify                  check the audit log's hash chain and signatures; names
      --data-dir <dir>          the first tampered, missing or reordered entry
      --format text|json        (default .slactl)
      --public-key <file>       verify against a public key kept elsewhere
  token create --name <n> --scopes read,ingest,operate,admin
  token list | token revoke <id>
      --data-dir <dir>          (default .slactl)

Options:
  -h, --help                    show this help
  -v, --version                 show the version

Exit codes: 0 ok, 1 invalid input or stale output, 2 usage error.
`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = { help: { type: 'boolean', short: 'h' } };

function parse(args: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function dispatch(io: Io, argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '-h' || command === '--help') {
    io.out(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version' || command === 'version') {
    io.out(`slactl ${version()}\n`);
    return 0;
  }
  switch (command) {
    case 'validate': {
      const { values, positionals } = parse(rest, { format: { type: 'string' } });
      if (values.help) return help(io);
      const { validateCommand } = await import('./validate.js');
      return validateCommand(io, {
        paths: positionals,
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
      });
    }
    case 'compile': {
      const { COMPILE_FLAGS, compileCommand, compileOptionsFrom } = await import('./compile.js');
      const { values, positionals } = parse(rest, COMPILE_FLAGS);
      if (values.help) return help(io);
      return compileCommand(io, compileOptionsFrom(values, positionals));
    }
    case 'diff': {
      const { values, positionals } = parse(rest, {
        base: { type: 'string' },
        format: { type: 'string' },
        config: { type: 'string' },
      });
      if (values.help) return help(io);
      if (typeof values.base !== 'string' || values.base === '')
        throw new UsageError('diff needs --base <git-ref>, e.g. --base origin/main');
      const { diffCommand } = await import('./diff.js');
      return diffCommand(io, {
        base: values.base,
        paths: positionals,
        format: oneOf(values.format, ['markdown', 'json'], '--format', 'markdown'),
        ...(typeof values.config === 'string' ? { config: values.config } : {}),
      });
    }
    case 'budget': {
      const { values, positionals } = parse(rest, { format: { type: 'string' } });
      if (values.help) return help(io);
      const [name, ...paths] = positionals;
      if (name === undefined)
        throw new UsageError('budget needs the name of an SLA, e.g. slactl budget recommendations');
      const { budgetCommand } = await import('./budget.js');
      return budgetCommand(io, {
        name,
        paths,
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
      });
    }
    case 'schema': {
      const { values, positionals } = parse(rest, { out: { type: 'string' }, check: { type: 'boolean' } });
      if (values.help) return help(io);
      if (positionals.length > 0) throw new UsageError(`schema takes no arguments, got "${positionals[0]}"`);
      if (values.check === true && typeof values.out !== 'string')
        throw new UsageError('--check needs --out <file>');
      const { schemaCommand } = await import('./schema.js');
      return schemaCommand(io, {
        check: values.check === true,
        ...(typeof values.out === 'string' ? { out: values.out } : {}),
      });
    }
    case 'serve': {
      const { values, positionals } = parse(rest, {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        slas: { type: 'string' },
        demo: { type: 'boolean' },
        'no-demo': { type: 'boolean' },
        'log-level': { type: 'string' },
        'prometheus-url': { type: 'string' },
        config: { type: 'string' },
      });
      if (values.help) return help(io);
      if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`);
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const flags = Object.fromEntries(
        Object.entries({
          host: str(values.host),
          port: str(values.port),
          dataDir: str(values['data-dir']),
          slas: str(values.slas),
          logLevel: str(values['log-level']),
          prometheusUrl: str(values['prometheus-url']),
          demo: values['no-demo'] === true ? false : values.demo === true ? true : undefined,
        }).filter(([, v]) => v !== undefined),
      );
      const { serveCommand } = await import('./serve.js');
      return serveCommand(io, {
        flags,
        ...(typeof values.config === 'string' ? { config: values.config } : {}),
      });
    }
    case 'replay': {
      const { values, positionals } = parse(rest, {
        signals: { type: 'string' },
        slas: { type: 'string' },
        sla: { type: 'string' },
        step: { type: 'string' },
        format: { type: 'string' },
        config: { type: 'string' },
      });
      if (values.help) return help(io);
      if (typeof values.signals !== 'string' || values.signals === '')
        throw new UsageError('replay needs --signals <file.ndjson>, a recording of signals with ts');
      const { replayCommand } = await import('./replay.js');
      return replayCommand(io, {
        signals: values.signals,
        paths: typeof values.slas === 'string' ? [values.slas, ...positionals] : positionals,
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
        ...(typeof values.sla === 'string' ? { sla: values.sla } : {}),
        ...(typeof values.step === 'string' ? { step: values.step } : {}),
        ...(typeof values.config === 'string' ? { config: values.config } : {}),
      });
    }
    case 'token': {
      const { values, positionals } = parse(rest, {
        name: { type: 'string' },
        scopes: { type: 'string' },
        'data-dir': { type: 'string' },
        format: { type: 'string' },
      });
      if (values.help) return help(io);
      const [action, ...args] = positionals;
      const { tokenCommand } = await import('./token.js');
      return tokenCommand(io, {
        action,
        args,
        dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : '.slactl',
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
        ...(typeof values.scopes === 'string' ? { scopes: values.scopes } : {}),
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
      });
    }
    case 'runbooks': {
      const { values, positionals } = parse(rest, {
        dir: { type: 'string' },
        alerts: { type: 'string' },
        format: { type: 'string' },
      });
      if (values.help) return help(io);
      const [action, ...extra] = positionals;
      if (action !== 'check')
        throw new UsageError(
          action === undefined
            ? 'runbooks needs an action: check'
            : `unknown runbooks action "${action}" (use check)`,
        );
      if (extra.length > 0) throw new UsageError(`runbooks check takes no arguments, got "${extra[0]}"`);
      const { runbooksCheckCommand } = await import('./runbooks.js');
      return runbooksCheckCommand(io, {
        dir: typeof values.dir === 'string' ? values.dir : 'runbooks',
        alerts: typeof values.alerts === 'string' ? values.alerts : 'alerts',
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
      });
    }
    case 'triage': {
      const { values, positionals } = parse(rest, {
        sla: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        format: { type: 'string' },
      });
      if (values.help) return help(io);
      if (positionals.length > 0)
        throw new UsageError(`triage takes no arguments, got "${positionals[0]}" (use --sla <name>)`);
      const { DEFAULT_URL, triageCommand } = await import('./triage.js');
      return triageCommand(io, {
        url: typeof values.url === 'string' ? values.url : DEFAULT_URL,
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
        ...(typeof values.sla === 'string' ? { sla: values.sla } : {}),
        ...(typeof values.token === 'string' ? { token: values.token } : {}),
      });
    }
    case 'audit': {
      const { values, positionals } = parse(rest, {
        'data-dir': { type: 'string' },
        format: { type: 'string' },
        'public-key': { type: 'string' },
      });
      if (values.help) return help(io);
      const [action, ...args] = positionals;
      const { auditCommand } = await import('./audit.js');
      return auditCommand(io, {
        action,
        args,
        dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : '.slactl',
        format: oneOf(values.format, ['text', 'json'], '--format', 'text'),
        ...(typeof values['public-key'] === 'string' ? { publicKey: values['public-key'] } : {}),
      });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function help(io: Io): number {
  io.out(HELP);
  return 0;
}

/** Runs the CLI and returns its exit code; never throws for user mistakes. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(io, argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`slactl: ${error.message}\nRun \`slactl --help\` for usage.\n`);
      return 2;
    }
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'ENOSPC' || err.code === 'EROFS' || err.code === 'ENOTDIR') {
      io.err(`slactl: ${err.message}\n`);
      return 1;
    }
    io.err(`slactl: internal error: ${err.stack ?? String(error)}\nPlease report this as a bug.\n`);
    return 70;
  }
}
