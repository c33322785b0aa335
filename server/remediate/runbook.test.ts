// The runbook loader: table-driven, a document in and diagnostics with exact positions out.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { ACTION_DEFAULTS } from './runbook-schema.js';
import { checkRunbookSources, loadRunbooks, parseRunbook, positionInRunbook } from './runbook.js';

const ALERTS = new Set(['VectorRecallBelowTarget', 'LatencyComponentOverBudget', 'StreamCatchUpSlow']);
const LABELS = new Map([
  ['VectorRecallBelowTarget', new Set(['alertname', 'sla', 'service', 'index', 'severity'])],
  ['LatencyComponentOverBudget', new Set(['alertname', 'sla', 'service', 'component', 'severity'])],
]);
const CONTEXT = { alertNames: ALERTS, alertLabels: LABELS };

const BODY = `
# Compact

## Meaning

Recall is low.

## Impact

Worse results.

## Diagnosis

Check recall.

## Mitigation

Compact.
`;

const FRONT = `---
id: compact
title: Compact the index
triggers:
  - VectorRecallBelowTarget
  - alert: LatencyComponentOverBudget
    labels: { component: vector_search }
actions:
  - id: compact-index
    title: Compact
    kind: http
    target: demo
    method: POST
    path: /api/v1/demo/remediate/compact-index
    body: { sla: '{sla}', index: '{index}' }
    params:
      sla: { label: sla, pattern: '^[a-z][a-z0-9-]*$' }
      index: { label: index, pattern: '^[a-z0-9][a-z0-9_-]*$' }
    alerts: [VectorRecallBelowTarget]
    auto: true
    verify: { alert: VectorRecallBelowTarget, within: 15m }
  - id: scale
    title: Scale
    kind: command
    argv: [/usr/local/bin/kubectl, --namespace, '{ns}', scale, deployment, search, --replicas, '8']
    params:
      ns: { label: service, pattern: '^[a-z0-9][a-z0-9-]*$' }
---`;

const VALID = FRONT + BODY;
const FILE = 'runbooks/compact.md';

/** [code, severity, line, column] of each diagnostic. */
function summary(text: string, file = FILE): Array<[string, string, number, number]> {
  const result = parseRunbook({ file, text }, CONTEXT);
  return result.diagnostics.map((d) => [d.code, d.severity, d.line, d.column]);
}

/** Replaces `from` (which must occur exactly once) in the valid runbook. */
function mutate(from: string, to: string): string {
  expect(VALID.split(from)).toHaveLength(2);
  // A function, so `$'` in a pattern is not read as a replacement pattern.
  return VALID.replace(from, () => to);
}

describe('parseRunbook', () => {
  it('loads a valid runbook with defaults, trigger matchers and sections', () => {
    const result = parseRunbook({ file: FILE, text: VALID }, CONTEXT);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    if (!result.ok) throw new Error('expected a runbook');
    const runbook = result.value;
    expect(runbook.id).toBe('compact');
    expect(runbook.triggers).toEqual(['VectorRecallBelowTarget', 'LatencyComponentOverBudget']);
    expect(runbook.triggerMatchers).toEqual([
      { alert: 'VectorRecallBelowTarget', labels: {} },
      { alert: 'LatencyComponentOverBudget', labels: { component: 'vector_search' } },
    ]);
    expect(runbook.sections).toEqual({
      meaning: 'Recall is low.',
      impact: 'Worse results.',
      diagnosis: 'Check recall.',
      mitigation: 'Compact.',
    });
    const [compact, scale] = runbook.actions;
    expect(compact).toEqual({
      id: 'compact-index',
      title: 'Compact',
      spec: {
        kind: 'http',
        target: 'demo',
        method: 'POST',
        path: '/api/v1/demo/remediate/compact-index',
        body: { sla: '{sla}', index: '{index}' },
      },
      params: {
        sla: { label: 'sla', pattern: '^[a-z][a-z0-9-]*$' },
        index: { label: 'index', pattern: '^[a-z0-9][a-z0-9_-]*$' },
      },
      alerts: ['VectorRecallBelowTarget'],
      auto: true,
      approval: 'none',
      cooldownMs: ACTION_DEFAULTS.cooldownMs,
      maxRuns: ACTION_DEFAULTS.maxRuns,
      timeoutMs: ACTION_DEFAULTS.timeoutMs,
      retries: ACTION_DEFAULTS.retries,
      verify: { alert: 'VectorRecallBelowTarget', withinMs: 15 * 60_000 },
    });
    // Not automatic: a person approves it.
    expect(scale).toMatchObject({ auto: false, approval: 'required' });
    expect(scale!.spec).toEqual({
      kind: 'command',
      argv: [
        '/usr/local/bin/kubectl',
        '--namespace',
        '{ns}',
        'scale',
        'deployment',
        'search',
        '--replicas',
        '8',
      ],
    });
  });

  it('reads guard rails written with units', () => {
    const text = mutate(
      '    verify: { alert: VectorRecallBelowTarget, within: 15m }\n',
      '    verify: { alert: VectorRecallBelowTarget, within: 1h30m }\n    cooldown: 45m\n    maxRuns: { count: 2, window: 6h }\n    timeout: 90s\n    retries: { max: 4, backoff: 2s }\n',
    );
    const result = parseRunbook({ file: FILE, text }, CONTEXT);
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
    expect(result.value.actions[0]).toMatchObject({
      cooldownMs: 45 * 60_000,
      maxRuns: { count: 2, windowMs: 6 * 3_600_000 },
      timeoutMs: 90_000,
      retries: { max: 4, backoffMs: 2000, maxBackoffMs: 60_000 },
      verify: { withinMs: 90 * 60_000 },
    });
  });

  const cases: Array<[string, string, Array<[string, string, number, number]>]> = [
    ['no front matter', '# Compact\n', [['missing_front_matter', 'error', 1, 1]]],
    ['unclosed front matter', '---\nid: compact\n', [['unclosed_front_matter', 'error', 1, 1]]],
    [
      'yaml syntax error',
      mutate('title: Compact the index', 'title: [unclosed'),
      [['yaml_syntax', 'error', 4, 1]],
    ],
    ['front matter not a mapping', `---\n- a\n---${BODY}`, [['invalid_type', 'error', 2, 1]]],
    [
      'id differs from the file name',
      mutate('id: compact\n', 'id: compaction\n'),
      [['id_mismatch', 'error', 2, 5]],
    ],
    [
      'id not kebab-case',
      mutate('id: compact\n', 'id: Compact\n'),
      [
        ['id_mismatch', 'error', 2, 5],
        ['invalid_format', 'error', 2, 5],
      ],
    ],
    [
      'unknown top-level key',
      mutate('title: Compact the index\n', 'title: Compact the index\ntrigers: []\n'),
      [['unknown_key', 'error', 4, 1]],
    ],
    [
      'unknown trigger alert',
      mutate('  - VectorRecallBelowTarget\n', '  - VectorRecallBelowTargt\n  - VectorRecallBelowTarget\n'),
      [['unknown_alert', 'error', 5, 5]],
    ],
    [
      'trigger label the alert never carries',
      mutate('labels: { component: vector_search }', 'labels: { komponent: vector_search }'),
      [['label_not_on_alert', 'error', 7, 15]],
    ],
    [
      'duplicate trigger',
      mutate('  - VectorRecallBelowTarget\n', '  - VectorRecallBelowTarget\n  - VectorRecallBelowTarget\n'),
      [['duplicate_trigger', 'warning', 6, 5]],
    ],
    [
      'unknown action key',
      mutate('    title: Compact\n', '    title: Compact\n    retry: 3\n'),
      [['unknown_key', 'error', 11, 5]],
    ],
    [
      'duplicate action id',
      mutate('  - id: scale\n', '  - id: compact-index\n'),
      [['duplicate_action', 'error', 22, 9]],
    ],
    [
      'missing section',
      VALID.replace('## Impact\n\nWorse results.\n\n', ''),
      [['missing_section', 'error', 29, 1]],
    ],
    [
      'section at the wrong level',
      VALID.replace('## Impact', '### Impact'),
      [['missing_section', 'error', 35, 1]],
    ],
    ['empty section', VALID.replace('Check recall.\n', ''), [['empty_section', 'error', 39, 1]]],
    ['repeated section', `${VALID}\n## Meaning\n\nAgain.\n`, [['duplicate_section', 'error', 47, 1]]],
    [
      'a heading inside a code fence is not a section',
      VALID.replace('Check recall.\n', '```\n## Mitigation\n```\n'),
      [],
    ],
    ['duration without a unit', mutate('within: 15m', 'within: 15'), [['bad_unit', 'error', 21, 55]]],
    [
      'timeout above an hour',
      mutate('    auto: true\n', '    auto: true\n    timeout: 2h\n'),
      [['out_of_range', 'error', 21, 14]],
    ],
    [
      'http action without a path',
      mutate('    path: /api/v1/demo/remediate/compact-index\n', ''),
      [['missing_field', 'error', 9, 5]],
    ],
    [
      'http action with argv',
      mutate('    method: POST\n', '    method: POST\n    argv: [x]\n'),
      [['field_not_allowed', 'error', 14, 5]],
    ],
    [
      'command action with a target',
      mutate('    kind: command\n', '    kind: command\n    target: demo\n'),
      [['field_not_allowed', 'error', 25, 5]],
    ],
    ['GET with a body', mutate('method: POST', 'method: GET'), [['body_not_allowed', 'error', 15, 5]]],
    [
      'path outside the target',
      mutate('path: /api/v1/demo/remediate/compact-index', 'path: //evil.example/x'),
      [['invalid_path', 'error', 14, 11]],
    ],
    [
      'path with a dot segment',
      mutate('path: /api/v1/demo/remediate/compact-index', 'path: /api/../admin'),
      [['invalid_path', 'error', 14, 11]],
    ],
    [
      'slot without a param',
      mutate("index: '{index}' }", "index: '{indx}' }"),
      [
        ['undeclared_param', 'error', 15, 35],
        ['unused_param', 'error', 18, 7],
      ],
    ],
    [
      'param used nowhere',
      mutate(
        "      ns: { label: service, pattern: '^[a-z0-9][a-z0-9-]*$' }\n",
        "      ns: { label: service, pattern: '^[a-z0-9][a-z0-9-]*$' }\n      extra: { label: sla, pattern: '^[a-z]+$' }\n",
      ),
      [['unused_param', 'error', 28, 7]],
    ],
    [
      'slot as part of an argument',
      mutate("'{ns}'", "'--namespace={ns}'"),
      [['partial_slot', 'error', 25, 62]],
    ],
    [
      'slot as part of a body value',
      mutate("index: '{index}'", "index: 'idx-{index}'"),
      [['partial_slot', 'error', 15, 39]],
    ],
    [
      'misspelled slot in a path',
      mutate('path: /api/v1/demo/remediate/compact-index', 'path: /indexes/{Index}/compact'),
      [['invalid_slot', 'error', 14, 20]],
    ],
    [
      'program from a param',
      mutate('argv: [/usr/local/bin/kubectl,', "argv: ['{ns}',"),
      [['program_from_param', 'error', 25, 12]],
    ],
    [
      'a shell as the program',
      mutate('argv: [/usr/local/bin/kubectl, --namespace,', 'argv: [/bin/sh, -c,'),
      [['shell_not_allowed', 'error', 25, 12]],
    ],
    [
      'a program without a path',
      mutate('argv: [/usr/local/bin/kubectl,', 'argv: [kubectl,'),
      [['relative_program', 'error', 25, 12]],
    ],
    [
      'pattern that does not compile',
      mutate("pattern: '^[a-z][a-z0-9-]*$'", "pattern: '^[a-z$'"),
      [['invalid_pattern', 'error', 17, 35]],
    ],
    [
      'unanchored pattern',
      mutate("pattern: '^[a-z][a-z0-9-]*$'", "pattern: '[a-z][a-z0-9-]*'"),
      [['unanchored_pattern', 'error', 17, 35]],
    ],
    [
      'escaped dollar is no anchor',
      mutate("pattern: '^[a-z][a-z0-9-]*$'", "pattern: '^[a-z][a-z0-9-]*\\$'"),
      [['unanchored_pattern', 'error', 17, 35]],
    ],
    [
      'top-level alternation',
      mutate("pattern: '^[a-z][a-z0-9-]*$'", "pattern: '^recs|search$'"),
      [['unanchored_pattern', 'error', 17, 35]],
    ],
    [
      'pattern accepting nothing at all',
      mutate("pattern: '^[a-z][a-z0-9-]*$'", "pattern: '^[a-z]*$'"),
      [['pattern_accepts_empty', 'error', 17, 35]],
    ],
    [
      'argv pattern accepting an option',
      mutate(
        "ns: { label: service, pattern: '^[a-z0-9][a-z0-9-]*$' }",
        "ns: { label: service, pattern: '^[a-z0-9-]+$' }",
      ),
      [['option_injection', 'error', 27, 38]],
    ],
    [
      'path pattern accepting ..',
      mutate('path: /api/v1/demo/remediate/compact-index', 'path: /indexes/{index}/compact')
        .replace("'{index}' }", () => "'{sla}' }")
        .replace(
          "index: { label: index, pattern: '^[a-z0-9][a-z0-9_-]*$' }",
          () => "index: { label: index, pattern: '^[a-z0-9._-]+$' }",
        ),
      [['path_traversal', 'error', 18, 39]],
    ],
    [
      'param label the alerts never carry',
      mutate('index: { label: index,', 'index: { label: idx,'),
      [['label_not_on_alert', 'warning', 18, 23]],
    ],
    [
      'action answering an alert that is no trigger',
      mutate('alerts: [VectorRecallBelowTarget]', 'alerts: [StreamCatchUpSlow]'),
      [['unknown_trigger', 'error', 19, 14]],
    ],
    [
      'auto with approval required',
      mutate('    auto: true\n', '    auto: true\n    approval: required\n'),
      [['conflicting_approval', 'error', 21, 5]],
    ],
    [
      'auto without verify',
      mutate('    verify: { alert: VectorRecallBelowTarget, within: 15m }\n', ''),
      [['auto_without_verify', 'warning', 20, 5]],
    ],
    [
      'verify of an unknown alert',
      mutate('verify: { alert: VectorRecallBelowTarget', 'verify: { alert: RecallLow'),
      [['unknown_alert', 'error', 21, 22]],
    ],
    [
      'maxBackoff shorter than backoff',
      mutate('    auto: true\n', '    auto: true\n    retries: { backoff: 1m, maxBackoff: 10s }\n'),
      [['out_of_range', 'error', 21, 41]],
    ],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });

  it('renders diagnostics people can act on', () => {
    const text = mutate("'{ns}'", "'--namespace={ns}'").replace(
      '  - VectorRecallBelowTarget\n',
      '  - VectorRecallBelowTargt\n  - VectorRecallBelowTarget\n',
    );
    const result = parseRunbook({ file: FILE, text }, CONTEXT);
    expect(result.diagnostics.map(formatDiagnostic).join('\n')).toMatchInlineSnapshot(`
      "runbooks/compact.md:5:5: error[unknown_alert]: VectorRecallBelowTargt is not an alert slactl compiles
        at triggers[0]
        hint: did you mean VectorRecallBelowTarget?
      runbooks/compact.md:26:62: error[partial_slot]: "{ns}" is part of the argument "--namespace={ns}"; a slot must be a whole argument
        at actions[1].argv[2]
        hint: split it: "--namespace=", "{ns}" as separate arguments, or let the program read a flag and a value"
    `);
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const text = `\uFEFF${VALID.replace(/\n/g, '\r\n')}`;
    const result = parseRunbook({ file: FILE, text }, CONTEXT);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('checks no alert names when it is given none', () => {
    const text = mutate('  - VectorRecallBelowTarget\n', '  - SomethingElse\n  - VectorRecallBelowTarget\n');
    expect(parseRunbook({ file: FILE, text }).ok).toBe(true);
  });
});

describe('loadRunbooks', () => {
  it('reads every *.md but README.md, sorted by id, and reports a missing folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slactl-runbooks-'));
    try {
      mkdirSync(path.join(dir, 'runbooks'));
      writeFileSync(path.join(dir, 'runbooks', 'compact.md'), VALID);
      writeFileSync(path.join(dir, 'runbooks', 'README.md'), '# Runbooks\n');
      writeFileSync(path.join(dir, 'runbooks', 'broken.md'), '# no front matter\n');
      writeFileSync(path.join(dir, 'runbooks', 'decision-tree.yaml'), 'root: []\n');
      const loaded = await loadRunbooks('runbooks', CONTEXT, dir);
      expect(loaded.runbooks.map((r) => r.id)).toEqual(['compact']);
      expect(loaded.runbooks[0]!.file).toBe(path.join('runbooks', 'compact.md'));
      expect(loaded.sources.map((s) => s.file)).toEqual([
        path.join('runbooks', 'broken.md'),
        path.join('runbooks', 'compact.md'),
      ]);
      expect(loaded.diagnostics.map((d) => [d.file, d.code])).toEqual([
        [path.join('runbooks', 'broken.md'), 'missing_front_matter'],
      ]);
      const missing = await loadRunbooks('nowhere', CONTEXT, dir);
      expect(missing.diagnostics.map((d) => [d.file, d.code])).toEqual([['nowhere', 'file_not_found']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps one broken runbook from hiding another', () => {
    const result = checkRunbookSources(
      [
        { file: 'runbooks/a.md', text: '---\nid: a\n---\n' },
        { file: FILE, text: VALID },
      ],
      CONTEXT,
    );
    expect(result.runbooks.map((r) => r.id)).toEqual(['compact']);
    expect(result.diagnostics.map((d) => d.code)).toEqual([
      'missing_field',
      'missing_section',
      'missing_section',
      'missing_section',
      'missing_section',
    ]);
  });
});

describe('positionInRunbook', () => {
  it('finds a front-matter path in the file', () => {
    expect(positionInRunbook(VALID, FILE, ['triggers'])).toEqual({ line: 5, column: 3, path: 'triggers' });
    expect(positionInRunbook(VALID, FILE, ['id'])).toEqual({ line: 2, column: 5, path: 'id' });
  });
});
