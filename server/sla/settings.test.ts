import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { parseSettings } from './settings.js';

describe('parseSettings', () => {
  it('reads the compile settings', () => {
    const result = parseSettings(
      'slactl.yaml',
      'compile:\n  runbookBaseUrl: https://runbooks.example/\n  alertmanager: { tokenFile: /etc/slactl/token }\n',
    );
    expect(result).toEqual({
      ok: true,
      diagnostics: [],
      value: {
        compile: {
          runbookBaseUrl: 'https://runbooks.example/',
          alertmanager: { tokenFile: '/etc/slactl/token' },
        },
      },
    });
  });

  it('positions bad URLs, unknown keys and YAML errors', () => {
    const bad = parseSettings('slactl.yaml', 'compile:\n  runbookBaseUrl: ftp://x\n  webhook: 1\n');
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual([
      'slactl.yaml:2:19: error[invalid_url]: must be an http(s) URL\n  at compile.runbookBaseUrl',
      'slactl.yaml:3:3: error[unknown_key]: unknown key "webhook"\n  at compile.webhook\n  hint: allowed: runbookBaseUrl, alertmanager',
    ]);
    const syntax = parseSettings('slactl.yaml', 'compile: [\n');
    expect(syntax.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml_syntax', 2]]);
  });

  it('reads the server section with durations and positions its mistakes', () => {
    const ok = parseSettings(
      'slactl.yaml',
      'server:\n  port: 9000\n  evaluationInterval: 30s\n  retention: 90d\n',
    );
    expect(ok).toMatchObject({
      ok: true,
      value: { server: { port: 9000, evaluationInterval: 30_000, retention: 90 * 86_400_000 } },
    });
    const bad = parseSettings(
      'slactl.yaml',
      'server:\n  port: 99999\n  retention: 35 days\n  demos: false\n',
    );
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.path}`)).toEqual([
      '2:9 out_of_range server.port',
      '3:14 bad_unit server.retention',
      '4:3 unknown_key server.demos',
    ]);
  });

  it('reads server.prometheus and positions its mistakes', () => {
    const ok = parseSettings(
      'slactl.yaml',
      'server:\n  prometheus:\n    url: http://mimir:8080/prometheus\n    headers: { X-Scope-OrgID: team-a }\n    timeout: 5s\n',
    );
    expect(ok).toMatchObject({
      ok: true,
      value: {
        server: {
          prometheus: {
            url: 'http://mimir:8080/prometheus',
            headers: { 'X-Scope-OrgID': 'team-a' },
            timeout: 5_000,
          },
        },
      },
    });
    const bad = parseSettings(
      'slactl.yaml',
      'server:\n  prometheus:\n    url: prometheus:9090\n    timout: 5s\n',
    );
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`)).toEqual([
      '3:10 server.prometheus.url',
      '4:5 server.prometheus.timout',
    ]);
  });
});
