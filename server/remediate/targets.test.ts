// The `remediation:` configuration: clear errors naming the field (and file:line:col from slactl.yaml),
// hosts on the allow list, secrets only from the environment or files, read at call time and masked.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { parseRemediationConfig, parseRemediationSettings, redactSecrets, Targets } from './targets.js';
import { compactAction, runbookOf } from './test-support/fixtures.js';

const good = {
  allowHosts: ['search-admin.internal', 'search-admin-2.internal'],
  targets: {
    'search-admin': {
      url: 'https://search-admin.internal:8443/admin',
      allowHosts: ['search-admin-2.internal'],
      headers: {
        Authorization: { env: 'SEARCH_ADMIN_TOKEN', prefix: 'Bearer ' },
        'X-Api-Key': { file: 'secrets/search.key' },
        'X-Team': 'search',
      },
    },
  },
  commands: {
    allow: ['/usr/local/bin/indexctl'],
    env: { KUBECONFIG: '/etc/kube/config', INDEXCTL_TOKEN: { env: 'T' } },
  },
  circuitBreaker: { failures: 5 },
};

describe('parseRemediationConfig', () => {
  it('reads a full section and fills defaults', () => {
    const parsed = parseRemediationConfig(good);
    expect(parsed.ok && parsed.value.circuitBreaker.failures).toBe(5);
    expect(parseRemediationConfig(undefined)).toEqual({
      ok: true,
      value: {
        auto: true,
        allowHosts: [],
        targets: {},
        commands: { allow: [], env: {} },
        circuitBreaker: { failures: 3 },
      },
    });
  });

  it.each([
    [
      'a host not on the allow list',
      { allowHosts: [], targets: { a: { url: 'https://evil.example/' } } },
      [
        {
          path: 'remediation.targets.a.url',
          code: 'host_not_allowed',
          message: 'host evil.example is not in remediation.allowHosts',
        },
      ],
    ],
    [
      'credentials in the URL',
      { allowHosts: ['h'], targets: { a: { url: 'https://u:p@h/' } } },
      [
        {
          path: 'remediation.targets.a.url',
          code: 'credentials_in_url',
          message: 'credentials do not belong in the URL',
        },
      ],
    ],
    [
      'a non-HTTP URL',
      { allowHosts: ['h'], targets: { a: { url: 'file://h/etc/passwd' } } },
      [
        {
          path: 'remediation.targets.a.url',
          code: 'invalid_url',
          message: 'the scheme must be http or https, got file',
        },
      ],
    ],
    [
      'a host with a scheme',
      { allowHosts: ['https://h'] },
      [{ path: 'remediation.allowHosts.0', code: 'invalid_host', message: '"https://h" is not a host name' }],
    ],
    [
      'a secret written into the file',
      { allowHosts: ['h'], targets: { a: { url: 'https://h/', headers: { Authorization: 'Bearer abc' } } } },
      [
        {
          path: 'remediation.targets.a.headers.Authorization',
          code: 'literal_secret',
          message: 'Authorization carries a secret, which must not be written into slactl.yaml',
        },
      ],
    ],
    [
      'a reserved header',
      { allowHosts: ['h'], targets: { a: { url: 'https://h/', headers: { 'Idempotency-Key': 'x' } } } },
      [
        {
          path: 'remediation.targets.a.headers.Idempotency-Key',
          code: 'reserved_header',
          message: 'header Idempotency-Key is set by slactl and cannot be configured',
        },
      ],
    ],
    [
      'a bad secret reference',
      { allowHosts: ['h'], targets: { a: { url: 'https://h/', headers: { 'X-Key': { vault: 'x' } } } } },
      [
        {
          path: 'remediation.targets.a.headers.X-Key',
          code: 'invalid_union',
          message: 'expected a string, {env: NAME} or {file: path}',
        },
      ],
    ],
    [
      'a header value a header cannot carry',
      { allowHosts: ['h'], targets: { a: { url: 'https://h/', headers: { 'X-Team': 'sûche\r\nX: y' } } } },
      [
        {
          path: 'remediation.targets.a.headers.X-Team',
          code: 'invalid_value',
          message: 'value must be at most 8192 visible ASCII characters',
        },
      ],
    ],
    [
      'a relative program',
      { commands: { allow: ['indexctl'] } },
      [
        {
          path: 'remediation.commands.allow.0',
          code: 'relative_program',
          message: '"indexctl" is not an absolute path',
        },
      ],
    ],
    [
      'a shell',
      { commands: { allow: ['/bin/bash'] } },
      [
        {
          path: 'remediation.commands.allow.0',
          code: 'shell_program',
          message: '/bin/bash is a shell; a shell turns every argument into code',
        },
      ],
    ],
    [
      'an unknown key',
      { targetz: {} },
      [{ path: 'remediation', code: 'unrecognized_keys', message: 'unknown key targetz' }],
    ],
  ])('refuses %s, naming the field', (_name, value, problems) => {
    expect(parseRemediationConfig(value)).toEqual({ ok: false, problems });
  });
});

describe('parseRemediationSettings', () => {
  it('positions problems at file:line:col in slactl.yaml', () => {
    const text = [
      'server:',
      '  port: 8080',
      'remediation:',
      '  allowHosts: [search-admin.internal]',
      '  targets:',
      '    search-admin:',
      '      url: https://other.internal/admin',
      '      headers:',
      '        Authorization: Bearer hunter2',
      '',
    ].join('\n');
    const result = parseRemediationSettings('slactl.yaml', text);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'slactl.yaml:7:12: error[host_not_allowed]: host other.internal is not in remediation.allowHosts\n' +
        '  at remediation.targets.search-admin.url\n' +
        '  hint: add other.internal to remediation.allowHosts',
      'slactl.yaml:9:24: error[literal_secret]: Authorization carries a secret, which must not be written into slactl.yaml\n' +
        '  at remediation.targets.search-admin.headers.Authorization\n' +
        '  hint: read it from the environment or a file: Authorization: {env: SOME_VARIABLE}',
    ]);
    // The secret written by mistake is not repeated in the diagnostics.
    expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2');
  });

  it('reads auto: false (automatic actions offered to a person) and refuses a non-boolean at its line', () => {
    const off = parseRemediationSettings('slactl.yaml', 'remediation:\n  auto: false\n');
    expect(off.ok && off.value.auto).toBe(false);
    const on = parseRemediationSettings('slactl.yaml', 'remediation:\n  allowHosts: []\n');
    expect(on.ok && on.value.auto).toBe(true);
    const bad = parseRemediationSettings('slactl.yaml', 'remediation:\n  auto: sometimes\n');
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
      /^slactl\.yaml:2:9: error.*\n {2}at remediation\.auto/,
    );
  });

  it('reads a file without a remediation section as an empty configuration', () => {
    expect(parseRemediationSettings('slactl.yaml', 'server:\n  port: 1\n')).toMatchObject({
      ok: true,
      value: { targets: {}, allowHosts: [] },
    });
  });
});

describe('Targets', () => {
  const parsed = parseRemediationConfig(good);
  if (!parsed.ok) throw new Error('bad fixture');
  const files: Record<string, string> = { '/etc/slactl/secrets/search.key': 'file-secret-123\n' };
  const targets = new Targets(parsed.value, {
    env: {
      SEARCH_ADMIN_TOKEN: 'env-secret-456',
      T: 'cmd-secret-789',
      PATH: '/usr/bin',
      AWS_SECRET_ACCESS_KEY: 'leak',
    },
    readFile: (file) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return text;
    },
    baseDir: '/etc/slactl',
  });

  it('reads secrets at call time and masks them for display', () => {
    expect(targets.headers('search-admin')).toEqual({
      values: { Authorization: 'Bearer env-secret-456', 'X-Api-Key': 'file-secret-123', 'X-Team': 'search' },
      secrets: ['env-secret-456', 'file-secret-123'],
    });
    expect(targets.maskedHeaders('search-admin')).toEqual({
      Authorization: 'Bearer [secret from $SEARCH_ADMIN_TOKEN]',
      'X-Api-Key': '[secret from file secrets/search.key]',
      'X-Team': 'search',
    });
    const target = targets.target('search-admin')!;
    expect([...target.hosts]).toEqual(['search-admin.internal', 'search-admin-2.internal']);
  });

  it('gives commands only the basics, the configured variables and slactl’s own', () => {
    expect(targets.commandEnv({ SLACTL_RUN_ID: 'r' })).toEqual({
      values: {
        PATH: '/usr/bin',
        KUBECONFIG: '/etc/kube/config',
        INDEXCTL_TOKEN: 'cmd-secret-789',
        SLACTL_RUN_ID: 'r',
      },
      secrets: ['cmd-secret-789'],
    });
  });

  it('reports unreadable secrets by source, never by value', () => {
    const missing = new Targets(parsed.value, { env: {}, readFile: () => 'x\ny', baseDir: '/etc/slactl' });
    expect(missing.secretProblems()).toEqual([
      'target search-admin: Authorization comes from environment variable SEARCH_ADMIN_TOKEN, which is unset or empty',
      'commands.env: INDEXCTL_TOKEN comes from environment variable T, which is unset or empty',
    ]);
  });

  it('lists the actions this configuration cannot run', () => {
    const runbook = runbookOf([
      compactAction(),
      compactAction({ id: 'b', spec: { kind: 'http', target: 'billing', method: 'POST', path: '/' } }),
      compactAction({ id: 'c', spec: { kind: 'command', argv: ['/usr/bin/curl', 'x'] } }),
    ]);
    expect(targets.actionProblems([runbook]).map((p) => `${p.action}: ${p.message}`)).toEqual([
      'b: target billing is not configured in remediation.targets',
      'c: program "/usr/bin/curl" is not in remediation.commands.allow',
    ]);
  });
});

describe('Targets.define', () => {
  it('adds a target at run time, validated, without touching the caller’s configuration', () => {
    const config = parseRemediationConfig({});
    if (!config.ok) throw new Error('bad fixture');
    const targets = new Targets(config.value, { env: { T: 'demo-secret' } });
    expect(() => targets.define('demo', { url: 'http://127.0.0.1:8080' })).toThrow(
      'target demo: remediation.targets.demo.url: host 127.0.0.1 is not in remediation.allowHosts',
    );
    expect(() =>
      targets.define(
        'demo',
        { url: 'http://127.0.0.1:8080', headers: { Authorization: 'Bearer x' } },
        { allowHost: true },
      ),
    ).toThrow(/Authorization carries a secret/);
    targets.define(
      'demo',
      { url: 'http://127.0.0.1:8080', headers: { Authorization: { env: 'T', prefix: 'Bearer ' } } },
      { allowHost: true },
    );
    expect(targets.target('demo')?.base.href).toBe('http://127.0.0.1:8080/');
    expect(targets.hostAllowed('127.0.0.1')).toBe(true);
    expect(targets.headers('demo').values).toEqual({ Authorization: 'Bearer demo-secret' });
    expect(config.value.targets).toEqual({});
  });
});

describe('redactSecrets', () => {
  it('masks every occurrence, longest secret first', () => {
    expect(redactSecrets('a=abc123 b=abc123456 c=abc123', ['abc123', 'abc123456'])).toBe(
      'a=[redacted] b=[redacted] c=[redacted]',
    );
  });
});
