// The Markdown side of a runbook file: the YAML front matter between `---` lines, and the `## ` sections
// of the body (Meaning, Impact, Diagnosis, Mitigation), with the line numbers diagnostics need.
import type { Diagnostic } from '../lib/diagnostics.js';
import type { RunbookSections } from './runbook-types.js';

/** A runbook file cut in two: front matter text and the Markdown after it. */
export interface SplitRunbook {
  /** The YAML between the fences, without them. */
  frontMatter: string;
  /** Line of the file on which the front matter's first line sits (2 when the file opens with `---`). */
  frontMatterLine: number;
  /** Everything after the closing fence. */
  markdown: string;
  /** Line of the file on which the Markdown starts. */
  markdownLine: number;
}

/** The four sections every runbook has, in the order a reader meets them. */
export const REQUIRED_SECTIONS: ReadonlyArray<{ key: keyof RunbookSections; title: string }> = [
  { key: 'meaning', title: 'Meaning' },
  { key: 'impact', title: 'Impact' },
  { key: 'diagnosis', title: 'Diagnosis' },
  { key: 'mitigation', title: 'Mitigation' },
];

const FENCE = /^---[ \t]*$/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/;

function diagnostic(file: string, code: string, line: number, message: string, hint?: string): Diagnostic {
  return {
    code,
    severity: 'error',
    message,
    file,
    path: '',
    line,
    column: 1,
    ...(hint !== undefined ? { hint } : {}),
  };
}

/** Splits a runbook file into front matter and Markdown; a missing or unclosed fence is a diagnostic. */
export function splitFrontMatter(
  file: string,
  text: string,
): { ok: true; value: SplitRunbook } | { ok: false; diagnostic: Diagnostic } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? '')) {
    return {
      ok: false,
      diagnostic: diagnostic(
        file,
        'missing_front_matter',
        1,
        'a runbook starts with YAML front matter between two `---` lines',
        'put `---`, the id, title, triggers and actions, and `---` before the Markdown',
      ),
    };
  }
  const close = lines.findIndex((line, i) => i > 0 && CLOSE.test(line));
  if (close < 0) {
    return {
      ok: false,
      diagnostic: diagnostic(
        file,
        'unclosed_front_matter',
        1,
        'the front matter opened on line 1 is never closed',
        'end it with a line holding only `---`',
      ),
    };
  }
  return {
    ok: true,
    value: {
      frontMatter: lines.slice(1, close).join('\n') + '\n',
      frontMatterLine: 2,
      markdown: lines.slice(close + 1).join('\n'),
      markdownLine: close + 2,
    },
  };
}

interface Heading {
  level: number;
  title: string;
  /** Index into the Markdown's lines. */
  index: number;
}

/** ATX headings outside fenced code blocks. */
function headings(lines: readonly string[]): Heading[] {
  const out: Heading[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const heading = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/.exec(line);
    if (heading) out.push({ level: heading[1]!.length, title: heading[2]!.trim(), index });
  });
  return out;
}

/**
 * Finds the required `## ` sections of the Markdown. Each is the text from its heading to the next
 * heading of level 1 or 2; a missing, repeated or empty one is a diagnostic.
 */
export function extractSections(
  file: string,
  split: SplitRunbook,
): { sections: RunbookSections; diagnostics: Diagnostic[] } {
  const lines = split.markdown.split('\n');
  const all = headings(lines);
  const diagnostics: Diagnostic[] = [];
  const sections: RunbookSections = { meaning: '', impact: '', diagnosis: '', mitigation: '' };
  for (const { key, title } of REQUIRED_SECTIONS) {
    const found = all.filter((h) => h.level === 2 && h.title.toLowerCase() === title.toLowerCase());
    if (found.length === 0) {
      const near = all.find((h) => h.title.toLowerCase() === title.toLowerCase());
      diagnostics.push(
        diagnostic(
          file,
          'missing_section',
          near ? split.markdownLine + near.index : split.markdownLine,
          `the runbook has no "## ${title}" section`,
          near
            ? `"${title}" is a level-${near.level} heading here; the required sections are level 2 (## ${title})`
            : `every runbook has ## ${REQUIRED_SECTIONS.map((s) => s.title).join(', ## ')}`,
        ),
      );
      continue;
    }
    const first = found[0]!;
    for (const again of found.slice(1)) {
      diagnostics.push(
        diagnostic(
          file,
          'duplicate_section',
          split.markdownLine + again.index,
          `"## ${title}" appears again (first on line ${split.markdownLine + first.index})`,
          'merge the two sections',
        ),
      );
    }
    const end = all.find((h) => h.index > first.index && h.level <= 2)?.index ?? lines.length;
    const content = lines
      .slice(first.index + 1, end)
      .join('\n')
      .trim();
    if (content === '') {
      diagnostics.push(
        diagnostic(
          file,
          'empty_section',
          split.markdownLine + first.index,
          `the "## ${title}" section is empty`,
          'say what an on-call engineer needs here; a runbook nobody can follow is worse than none',
        ),
      );
    }
    sections[key] = content;
  }
  return { sections, diagnostics };
}
