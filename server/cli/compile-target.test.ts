// `slactl compile --target`: the prometheus-operator target end to end through the CLI (files, --check,
// orphans, a folder shared with the prometheus target, worker threads), the prometheus target unchanged,
// and the Kubernetes flags refused as usage errors (exit 2) with the flag and the rule named.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import type { OperatorTarget } from '../compile/emit-operator.js';
import type { SlaSource } from '../sla/load.js';
import { compileSources } from './compile-pool.js';
import { COMPILE_FLAGS, compileOptionsFrom } from './compile.js';
import { UsageError } from './io.js';
import { main } from './main.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OPERATOR = [
  '--target',
  'prometheus-operator',
  '--namespace',
  'monitoring',
  '--label',
  'release=kube-prometheus-stack',
];
const IN_CLUSTER =
  'compile:\n  alertmanager:\n    webhookUrl: http://slactl.slactl.svc:8080/api/v1/alertmanager\n';
let dir: string;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: dir });
  return { code, out, err };
}

const files = (sub: string) => readdirSync(path.join(dir, sub)).sort();
const read = (sub: string, name: string) => readFileSync(path.join(dir, sub, name), 'utf8');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slactl-target-'));
  cpSync(path.join(ROOT, 'slas'), path.join(dir, 'slas'), { recursive: true });
  writeFileSync(path.join(dir, 'slactl.yaml'), IN_CLUSTER);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('--target prometheus-operator', () => {
  it('writes a PrometheusRule per SLA and the AlertmanagerConfig, and --check finds them current', async () => {
    expect(await run('compile', ...OPERATOR, '--out', 'deploy')).toEqual({
      code: 0,
      out: 'compiled 3 SLAs into deploy/: 4 written, 0 unchanged\n',
      err: '',
    });
    expect(files('deploy')).toEqual([
      'alertmanagerconfig.yaml',
      'fraud-scoring.prometheusrule.yaml',
      'recommendations.prometheusrule.yaml',
      'search-rag.prometheusrule.yaml',
    ]);
    const rule = parse(read('deploy', 'search-rag.prometheusrule.yaml')) as {
      kind: string;
      metadata: { name: string; namespace: string; labels: Record<string, string> };
    };
    expect(rule.kind).toBe('PrometheusRule');
    expect(rule.metadata).toEqual({
      name: 'slactl-search-rag',
      namespace: 'monitoring',
      labels: {
        'app.kubernetes.io/managed-by': 'slactl',
        'slactl.io/sla': 'search-rag',
        release: 'kube-prometheus-stack',
      },
    });
    expect(await run('compile', ...OPERATOR, '--out', 'deploy', '--check')).toEqual({
      code: 0,
      out: 'deploy/ is up to date (4 files)\n',
      err: '',
    });
    // Written again, nothing changes on disk.
    expect((await run('compile', ...OPERATOR, '--out', 'deploy')).out).toBe(
      'compiled 3 SLAs into deploy/: 0 written, 4 unchanged\n',
    );
  });

  it('--check names stale, missing and orphaned resources and the command that rewrites them', async () => {
    await run('compile', ...OPERATOR, '--out', 'deploy');
    const stale = path.join(dir, 'deploy', 'recommendations.prometheusrule.yaml');
    writeFileSync(
      stale,
      readFileSync(stale, 'utf8').replace('release: kube-prometheus-stack', 'release: old'),
    );
    unlinkSync(path.join(dir, 'deploy', 'alertmanagerconfig.yaml'));
    writeFileSync(path.join(dir, 'deploy', 'retired.prometheusrule.yaml'), 'kind: PrometheusRule\n');
    writeFileSync(path.join(dir, 'deploy', 'kustomization.yaml'), 'resources: []\n');
    const check = await run('compile', ...OPERATOR, '--out', 'deploy', '--check');
    expect(check.code).toBe(1);
    expect(check.err).toMatchInlineSnapshot(`
      "missing: deploy/alertmanagerconfig.yaml
      stale:   deploy/recommendations.prometheusrule.yaml
      orphan:  deploy/retired.prometheusrule.yaml (no SLA compiles to it)
      deploy/ is out of date with the SLAs: run \`slactl compile --target prometheus-operator --namespace monitoring --label release=kube-prometheus-stack --out deploy\` and commit the result
      "
    `);
    // A label change alone makes every resource stale.
    const relabelled = await run('compile', ...OPERATOR, '--label', 'team=ml', '--out', 'deploy', '--check');
    expect(relabelled.err).toContain('stale:   deploy/search-rag.prometheusrule.yaml');
    expect((await run('compile', ...OPERATOR, '--out', 'deploy')).out).toBe(
      'compiled 3 SLAs into deploy/: 2 written, 2 unchanged, removed 1 orphaned\n',
    );
    // Files that are not the target's own stay.
    expect(files('deploy')).toContain('kustomization.yaml');
  });

  it('shares a folder with the prometheus target without removing its files', async () => {
    expect((await run('compile', '--out', 'out')).code).toBe(0);
    const prometheusFiles = files('out');
    expect(prometheusFiles).toContain('alertmanager.yaml');
    expect((await run('compile', ...OPERATOR, '--out', 'out')).out).toBe(
      'compiled 3 SLAs into out/: 4 written, 0 unchanged\n',
    );
    expect(files('out')).toEqual(
      [
        ...prometheusFiles,
        'alertmanagerconfig.yaml',
        ...['fraud-scoring', 'recommendations', 'search-rag'].map((n) => `${n}.prometheusrule.yaml`),
      ].sort(),
    );
    expect((await run('compile', '--out', 'out', '--check')).out).toBe('out/ is up to date (10 files)\n');
    expect((await run('compile', ...OPERATOR, '--out', 'out', '--check')).out).toBe(
      'out/ is up to date (4 files)\n',
    );
  });

  it('names the Secret of the webhook token and warns about a loopback webhook URL', async () => {
    rmSync(path.join(dir, 'slactl.yaml'));
    const result = await run(
      'compile',
      ...OPERATOR,
      '--webhook-secret',
      'alerting.slactl:bearer',
      '--out',
      'deploy',
    );
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      "warning: alertmanagerconfig.yaml sends alerts to http://127.0.0.1:8080/api/v1/alertmanager, a loopback address that Alertmanager pods do not reach the control plane at: set compile.alertmanager.webhookUrl in slactl.yaml to the control plane's in-cluster URL\n",
    );
    const config = parse(read('deploy', 'alertmanagerconfig.yaml')) as {
      spec: { receivers: Array<{ webhookConfigs: Array<{ httpConfig: unknown }> }> };
    };
    expect(config.spec.receivers[0]!.webhookConfigs[0]!.httpConfig).toEqual({
      authorization: { type: 'Bearer', credentials: { name: 'alerting.slactl', key: 'bearer' } },
    });
    const stale = await run('compile', ...OPERATOR, '--out', 'deploy', '--check');
    expect(stale.err).toContain('stale:   deploy/alertmanagerconfig.yaml');
    const check = await run(
      'compile',
      ...OPERATOR,
      '--webhook-secret',
      'alerting.slactl:bearer',
      '--out',
      'deploy',
      '--check',
    );
    expect(check.code).toBe(0);
  });

  it('refuses an SLA name too long for Kubernetes at its position, writing nothing', async () => {
    const name = `recs-${'x'.repeat(59)}`;
    const file = path.join(dir, 'slas', 'recommendations.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: recommendations', `name: ${name}`));
    const result = await run('compile', ...OPERATOR, '--out', 'deploy');
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toContain(
      `slas/recommendations.yaml:6:1: error[kubernetes_name_invalid]: SLA name "${name}" cannot name Kubernetes resources: as the value of the slactl.io/sla label it must be at most 63 characters, got 64\n  at metadata.name\n  hint: use a name of at most 63 characters that ends in a letter or digit, or compile with --target prometheus\n`,
    );
    expect(result.err).toContain('nothing written: 1 error');
    expect(() => files('deploy')).toThrow(/ENOENT/);
    // The prometheus target has no such limit.
    expect((await run('compile', '--out', 'alerts')).code).toBe(0);
  });

  it('gives the same files on worker threads as on one thread', async () => {
    const sources: SlaSource[] = readdirSync(path.join(dir, 'slas'))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ file: `slas/${f}`, text: readFileSync(path.join(dir, 'slas', f), 'utf8') }));
    const target: OperatorTarget = {
      kind: 'prometheus-operator',
      namespace: 'monitoring',
      labels: { release: 'x' },
      webhookSecret: { name: 's', key: 'k' },
    };
    const serial = await compileSources(sources, DEFAULT_SETTINGS, { target, jobs: 1 });
    const threaded = await compileSources(sources, DEFAULT_SETTINGS, {
      target,
      jobs: 2,
      minSourcesForWorkers: 0,
      chunkSize: 1,
    });
    expect(threaded.threads).toBe(2);
    expect([...threaded.outputs!.files]).toEqual([...serial.outputs!.files]);
    expect([...serial.outputs!.files.keys()]).toContain('recommendations.prometheusrule.yaml');
  });
});

describe('--target prometheus', () => {
  it('is the default, and writes what alerts/ holds, byte for byte', async () => {
    expect((await run('compile', '--out', 'a')).code).toBe(0);
    expect((await run('compile', '--target', 'prometheus', '--out', 'b')).code).toBe(0);
    rmSync(path.join(dir, 'slactl.yaml'));
    expect((await run('compile', '--out', 'c')).code).toBe(0);
    const committed = readdirSync(path.join(ROOT, 'alerts')).sort();
    expect(files('c')).toEqual(committed);
    for (const name of committed) {
      expect(read('c', name), name).toBe(readFileSync(path.join(ROOT, 'alerts', name), 'utf8'));
    }
    expect(files('b')).toEqual(files('a'));
    for (const name of files('a')) expect(read('b', name), name).toBe(read('a', name));
  });
});

describe('usage errors', () => {
  it.each([
    [['--target', 'k8s'], '--target must be one of prometheus, prometheus-operator, got "k8s"'],
    [['--namespace', 'monitoring'], '--namespace only apply to --target prometheus-operator'],
    [
      ['--label', 'a=b', '--webhook-secret', 's'],
      '--label, --webhook-secret only apply to --target prometheus-operator',
    ],
    [
      ['--target', 'prometheus-operator', '--namespace', 'Monitoring'],
      '--namespace "Monitoring" must be lower-case letters, digits and "-", starting and ending with a letter or digit',
    ],
    [['--target', 'prometheus-operator', '--label', 'release'], '--label must be key=value, got "release"'],
    [
      ['--target', 'prometheus-operator', '--label', 'team=ml platform'],
      '--label "team=ml platform": value "ml platform" must be empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    [
      ['--target', 'prometheus-operator', '--label', 'Example.com/team=ml'],
      '--label "Example.com/team=ml": key "Example.com/team" prefix "Example.com" must be lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
    ],
    [
      ['--target', 'prometheus-operator', '--label', 'app.kubernetes.io/managed-by=helm'],
      '--label "app.kubernetes.io/managed-by=helm": slactl sets app.kubernetes.io/managed-by itself',
    ],
    [['--target', 'prometheus-operator', '--label', 'a=1', '--label', 'a=2'], '--label a is given twice'],
    [
      ['--target', 'prometheus-operator', '--webhook-secret', 'Slactl:token'],
      '--webhook-secret "Slactl:token": Secret name "Slactl" must be lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
    ],
    [
      ['--target', 'prometheus-operator', '--webhook-secret', 'slactl:to/ken'],
      '--webhook-secret "slactl:to/ken": key "to/ken" must be letters, digits, "-", "_" and "."',
    ],
  ])('compile %j', async (flags, message) => {
    expect(() => compileOptionsFrom(parseFlags(flags), [])).toThrow(new UsageError(message));
    const result = await run('compile', ...flags, '--out', 'deploy');
    expect(result).toEqual({
      code: 2,
      out: '',
      err: `slactl: ${message}\nRun \`slactl --help\` for usage.\n`,
    });
    expect(() => files('deploy')).toThrow(/ENOENT/);
  });

  it('reads the target flags into options', () => {
    expect(
      compileOptionsFrom(parseFlags(['--target', 'prometheus-operator', '--label', 'b=2', '--label', 'a=']), [
        'slas',
      ]),
    ).toEqual({
      paths: ['slas'],
      out: 'alerts',
      check: false,
      target: {
        kind: 'prometheus-operator',
        labels: { b: '2', a: '' },
        webhookSecret: { name: 'slactl-webhook', key: 'token' },
      },
    });
    expect(compileOptionsFrom(parseFlags([]), []).target).toEqual({ kind: 'prometheus' });
  });
});

/** Flags as `slactl compile` parses them (`--label` repeats into a list). */
function parseFlags(flags: string[]): Record<string, unknown> {
  return parseArgs({ args: flags, options: COMPILE_FLAGS, allowPositionals: true, strict: true }).values;
}
