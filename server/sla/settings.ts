// Project settings from an optional slactl.yaml: how generated output refers to the running control plane.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../lib/diagnostics.js';
import { yamlDiagnostic, type SourceDoc } from './positions.js';
import { issuesToDiagnostics } from './zod-diagnostics.js';

const httpUrl = z.string().refine((value) => /^https?:\/\/[^/\s]+/.test(value) && URL.canParse(value), {
  error: 'must be an http(s) URL',
  params: { code: 'invalid_url' },
});

export const settingsSchema = z.strictObject({
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
