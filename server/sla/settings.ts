// Project settings from an optional slactl.yaml: how generated output refers to the running control plane.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../lib/diagnostics.js';
import { yamlDiagnostic, type SourceDoc } from './positions.js';
import { duration } from './schema.js';
import { issuesToDiagnostics } from './zod-diagnostics.js';

const httpUrl = z.string().refine((value) => /^https?:\/\/[^/\s]+/.test(value) && URL.canParse(value), {
  error: 'must be an http(s) URL',
  params: { code: 'invalid_url' },
});

const positiveInt = (description: string) => z.number().int().positive().describe(description);

/** The control plane server (`slactl serve`, `npm start`); flags and SLACTL_* variables override these. */
const serverSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .describe('Interface to bind, default 127.0.0.1 (loopback only). 0.0.0.0 exposes the server.')
    .optional(),
  port: z.number().int().min(0).max(65535).describe('TCP port, default 8080; 0 picks a free one.').optional(),
  dataDir: z
    .string()
    .min(1)
    .describe('Directory of the SQLite store and the first admin token, default .slactl')
    .optional(),
  slas: z.string().min(1).describe('SLA file or folder to load, default slas').optional(),
  demo: z.boolean().describe('Run the demo simulator, default true').optional(),
  evaluationInterval: duration({ description: 'How often the evaluator runs, default 15s' }).optional(),
  retention: duration({ description: 'How long hourly rollups are kept, default 35d' }).optional(),
  publicMetrics: z
    .boolean()
    .describe('Serve /metrics without a token (for a Prometheus without credentials), default false')
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  prometheus: z
    .strictObject({
      url: httpUrl
        .describe(
          "Base URL of Prometheus' HTTP API, path prefix included; serve statuses, alerts and series from it",
        )
        .optional(),
      headers: z
        .record(z.string(), z.string())
        .describe('Extra headers on every request, e.g. X-Scope-OrgID for Mimir')
        .optional(),
      bearerTokenFile: z
        .string()
        .min(1)
        .describe('File with a bearer token, read at each request (relative to the working directory)')
        .optional(),
      timeout: duration({ description: 'Timeout of one request to Prometheus, default 10s' }).optional(),
    })
    .describe('Prometheus (or Thanos Query, Mimir) as the data source instead of the embedded evaluator')
    .optional(),
  limits: z
    .strictObject({
      maxBodyBytes: positiveInt('Largest ingest body, default 10485760 (10 MiB)').optional(),
      maxBatch: positiveInt('Most signals per ingest request, default 10000').optional(),
      maxSeriesPerService: positiveInt('Most series one service may create, default 20000').optional(),
      maxConcurrentIngest: positiveInt('Ingest requests in flight before 429, default 16').optional(),
    })
    .optional(),
});

export const settingsSchema = z.strictObject({
  server: serverSchema.optional(),
  // Checked with positions by server/remediate/targets.ts (parseRemediationSettings) when serving.
  remediation: z
    .unknown()
    .describe('Remediation targets, allowed hosts and commands, secrets (docs/remediation.md)')
    .optional(),
  compile: z
    .strictObject({
      runbookBaseUrl: httpUrl
        .describe('Prefix of every runbook_url annotation; the runbook id is appended.')
        .optional(),
      alertmanager: z
        .strictObject({
          webhookUrl: httpUrl.describe("The control plane's Alertmanager webhook receiver.").optional(),
          tokenFile: z
            .string()
            .min(1)
            .describe('File with the bearer token, relative to the Alertmanager config file.')
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export type Settings = z.output<typeof settingsSchema>;

/** Reads settings from `file`; a missing file yields empty settings, a bad one positioned diagnostics. */
export async function loadSettings(
  file: string,
): Promise<
  { ok: true; value: Settings; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] }
> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: {}, diagnostics: [] };
    throw error;
  }
  return parseSettings(file, text);
}

/** Parses and validates settings text. */
export function parseSettings(
  file: string,
  text: string,
): { ok: true; value: Settings; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const source: SourceDoc = { file, text, doc, lines };
  const diagnostics = doc.errors.map((error) => yamlDiagnostic(source, error, 'error'));
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const data: unknown = doc.toJS() ?? {};
  const parsed = settingsSchema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      diagnostics: sortDiagnostics(issuesToDiagnostics(parsed.error.issues, source, settingsSchema, data)),
    };
  }
  return { ok: true, value: parsed.data, diagnostics };
}
