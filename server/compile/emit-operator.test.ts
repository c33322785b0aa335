// The prometheus-operator target against the tools that consume it: each PrometheusRule's spec.groups
// equal the prometheus target's groups and pass the real `promtool check rules --lint-fatal`; the
// AlertmanagerConfig, converted to an Alertmanager configuration the way prometheus-operator converts it,
// passes the real `amtool check-config` and routes slactl's alerts, and only them, to the webhook.
// Kubernetes names are checked as the API server checks them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildPlan } from './plan.js';
import { emitAlertmanager } from './emit-alertmanager.js';
import {
  ALERTMANAGER_CONFIG_FILE,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  emitAlertmanagerConfig,
  emitPrometheusRule,
  labelKeyProblem,
  labelValueProblem,
  loopbackWebhookWarning,
  operatorNameDiagnostics,
  prometheusRuleFile,
  secretKeyProblem,
  type OperatorTarget,
} from './emit-operator.js';
import { emitRules, ruleGroups } from './emit-rules.js';
import { DEFAULT_SETTINGS, type CompileSettings, type SlaPlan } from './ir.js';
import { compileOutputs, isGeneratedName } from './outputs.js';
import { allFixturePlans } from './test-support/fixtures.js';
import { loadSlaFiles } from '../sla/load.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const AMTOOL = process.env.AMTOOL ?? 'amtool';
const exec = promisify(execFile);

const TARGET: OperatorTarget = {
  kind: 'prometheus-operator',
  namespace: 'monitoring',
  labels: { release: 'kube-prometheus-stack', 'example.com/team': 'ml-platform' },
  webhookSecret: { name: 'slactl-webhook', key: 'token' },
};

/** Runs a tool without a shell; a missing tool or a failure fails the test with the tool's output. */
async function tool(bin: string, args: string[], cwd: string, stdoutOnly = false): Promise<string> {
  try {
    const { stdout, stderr } = await exec(bin, args, { cwd, maxBuffer: 32 << 20, timeout: 120_000 });
    return stdoutOnly ? stdout : `${stdout}${stderr}`;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        `${bin} is not installed: apt-get install prometheus prometheus-alertmanager (.ci/run does)`,
      );
    throw new Error(`${bin} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

let examples: SlaPlan[] = [];
let dir = '';

beforeAll(async () => {
  const loaded = await loadSlaFiles(['slas'], ROOT);
  examples = loaded.slas.map(buildPlan);
  dir = mkdtempSync(path.join(tmpdir(), 'slactl-operator-'));
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

type Resource = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
};

describe('PrometheusRule', () => {
  it('carries exactly the rule groups of the prometheus target for every example SLA', () => {
    expect(examples.map((p) => p.name)).toEqual(['fraud-scoring', 'recommendations', 'search-rag']);
    for (const plan of [...examples, ...allFixturePlans()]) {
      const rules = emitRules(plan, DEFAULT_SETTINGS);
      const text = emitPrometheusRule(plan, ruleGroups(plan, DEFAULT_SETTINGS), TARGET);
      const resource = parse(text) as Resource;
      expect(resource.spec, plan.name).toEqual({ groups: (parse(rules) as { groups: unknown }).groups });
      // Byte for byte, too: the rules file's groups block, indented under spec.
      const groupsText = rules.slice(rules.indexOf('\ngroups:') + 1);
      const indented = groupsText.replace(/^(?=.)/gm, '  ');
      expect(text.slice(text.indexOf('\nspec:\n') + '\nspec:\n'.length), plan.name).toBe(indented);
    }
  });

  it('is named and labelled for the ruleSelector, in the chosen namespace', () => {
    const plan = examples.find((p) => p.name === 'recommendations')!;
    const resource = parse(emitPrometheusRule(plan, ruleGroups(plan, DEFAULT_SETTINGS), TARGET)) as Resource;
    expect(resource.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(resource.kind).toBe('PrometheusRule');
    expect(resource.metadata).toEqual({
      name: 'slactl-recommendations',
      namespace: 'monitoring',
      labels: {
        'app.kubernetes.io/managed-by': 'slactl',
        'slactl.io/sla': 'recommendations',
        'example.com/team': 'ml-platform',
        release: 'kube-prometheus-stack',
      },
    });
    const noNamespace = emitPrometheusRule(plan, ruleGroups(plan, DEFAULT_SETTINGS), {
      kind: 'prometheus-operator',
      labels: {},
      webhookSecret: TARGET.webhookSecret,
    });
    expect((parse(noNamespace) as Resource).metadata).toEqual({
      name: 'slactl-recommendations',
      labels: { 'app.kubernetes.io/managed-by': 'slactl', 'slactl.io/sla': 'recommendations' },
    });
    expect(noNamespace.split('\n').slice(0, 12).join('\n')).toMatchInlineSnapshot(`
      "# Generated by \`slactl compile\` from slas/recommendations.yaml. Do not edit by hand: change the SLA and recompile.
      # spec.groups are the rule groups of recommendations.rules.yaml (slactl compile --target prometheus).

      apiVersion: monitoring.coreos.com/v1
      kind: PrometheusRule
      metadata:
        name: slactl-recommendations
        labels:
          app.kubernetes.io/managed-by: slactl
          slactl.io/sla: recommendations
      spec:
        groups:"
    `);
  });

  describe.concurrent('promtool check rules --lint-fatal on spec.groups', () => {
    for (const name of ['fraud-scoring', 'recommendations', 'search-rag', 'fixtures']) {
      it(name, async () => {
        const plans = name === 'fixtures' ? allFixturePlans() : examples.filter((p) => p.name === name);
        expect(plans.length).toBeGreaterThan(0);
        const files: string[] = [];
        for (const plan of plans) {
          const resource = parse(
            emitPrometheusRule(plan, ruleGroups(plan, DEFAULT_SETTINGS), TARGET),
          ) as Resource;
          const file = `${plan.name}.groups.yaml`;
          writeFileSync(path.join(dir, file), stringify({ groups: resource.spec.groups }, { lineWidth: 0 }));
          files.push(file);
        }
        const output = await tool(PROMTOOL, ['check', 'rules', '--lint-fatal', ...files], dir);
        expect(output).not.toContain('FAILED');
        for (const file of files) expect(output).toContain(`Checking ${file}\n  SUCCESS`);
      });
    }
  });
});

describe('operator target outputs', () => {
  it('writes one PrometheusRule per SLA and the AlertmanagerConfig, nothing kubectl cannot apply', () => {
    const outputs = compileOutputs(examples, DEFAULT_SETTINGS, TARGET);
    expect([...outputs.files.keys()]).toEqual([
      ALERTMANAGER_CONFIG_FILE,
      'fraud-scoring.prometheusrule.yaml',
      'recommendations.prometheusrule.yaml',
      'search-rag.prometheusrule.yaml',
    ]);
    for (const [name, text] of outputs.files) {
      const resource = parse(text.toString()) as Resource;
      expect(resource.apiVersion, name).toMatch(/^monitoring\.coreos\.com\/v1(alpha1)?$/);
      expect(isGeneratedName(name, TARGET), name).toBe(true);
      expect(isGeneratedName(name), name).toBe(false);
    }
    expect(outputs.diagnostics).toEqual([]);
    // The default webhook URL is the loopback one, which no pod reaches the control plane at.
    expect(outputs.warnings).toEqual([loopbackWebhookWarning(DEFAULT_SETTINGS)]);
    expect(prometheusRuleFile('a')).toBe('a.prometheusrule.yaml');
  });

  it('writes no AlertmanagerConfig without SLAs: there is nothing to route', () => {
    expect(emitAlertmanagerConfig([], DEFAULT_SETTINGS, TARGET)).toBeUndefined();
    expect([...compileOutputs([], DEFAULT_SETTINGS, TARGET).files.keys()]).toEqual([]);
  });

  it('refuses an SLA name that cannot name a Kubernetes resource, with its file and a hint', () => {
    const plan = (name: string): SlaPlan => ({ ...examples[0]!, name });
    const long = `a${'b'.repeat(63)}`;
    expect(operatorNameDiagnostics(plan(`a${'b'.repeat(62)}`))).toEqual([]);
    expect(operatorNameDiagnostics(plan('a--b'))).toEqual([]);
    const [tooLong] = operatorNameDiagnostics(plan(long));
    expect(tooLong).toMatchObject({
      code: 'kubernetes_name_invalid',
      severity: 'error',
      file: 'slas/fraud-scoring.yaml',
      path: 'metadata.name',
      message: `SLA name "${long}" cannot name Kubernetes resources: as the value of the slactl.io/sla label it must be at most 63 characters, got 64`,
    });
    const [dash] = operatorNameDiagnostics(plan('trailing-'));
    expect(dash?.message).toContain(
      'as the PrometheusRule name "slactl-trailing-" it must be lower-case letters',
    );
    const outputs = compileOutputs([plan('trailing-')], DEFAULT_SETTINGS, TARGET);
    expect(outputs.diagnostics.map((d) => d.code)).toEqual(['kubernetes_name_invalid']);
    expect([...outputs.files.keys()]).toEqual([ALERTMANAGER_CONFIG_FILE]);
  });
});

/**
 * The Alertmanager configuration prometheus-operator generates from our AlertmanagerConfig, for the
 * fields slactl writes (pkg/alertmanager/amcfg.go): the route becomes a first-level route with
 * `continue: true` and receiver `<namespace>/<name>/<receiver>`, matchers become matcher strings, the
 * Secret's token is written in, and with the default matcher strategy (OnNamespace) every route and
 * inhibition also matches `namespace="<namespace>"`.
 */
function operatorGenerated(
  resource: Resource,
  strategy: 'OnNamespace' | 'None',
  token: string,
): Record<string, unknown> {
  type Matcher = { name: string; matchType: string; value: string };
  const ns = resource.metadata.namespace!;
  const prefix = `${ns}/${resource.metadata.name}/`;
  const nsMatcher = strategy === 'OnNamespace' ? [`namespace="${ns}"`] : [];
  const matchers = (list: Matcher[]) => [
    ...list.map((m) => `${m.name}${m.matchType}${JSON.stringify(m.value)}`),
    ...nsMatcher,
  ];
  const spec = resource.spec as {
    route: {
      receiver: string;
      groupBy: string[];
      groupWait: string;
      groupInterval: string;
      repeatInterval: string;
      matchers: Matcher[];
    };
    receivers: Array<{
      name: string;
      webhookConfigs: Array<{
        url: string;
        sendResolved: boolean;
        httpConfig: { authorization: { type: string } };
      }>;
    }>;
    inhibitRules?: Array<{ sourceMatch: Matcher[]; targetMatch: Matcher[]; equal: string[] }>;
  };
  return {
    route: {
      receiver: 'fallback',
      routes: [
        {
          receiver: prefix + spec.route.receiver,
          group_by: spec.route.groupBy,
          group_wait: spec.route.groupWait,
          group_interval: spec.route.groupInterval,
          repeat_interval: spec.route.repeatInterval,
          matchers: matchers(spec.route.matchers),
          continue: true,
        },
      ],
    },
    receivers: [
      { name: 'fallback' },
      ...spec.receivers.map((r) => ({
        name: prefix + r.name,
        webhook_configs: r.webhookConfigs.map((w) => ({
          url: w.url,
          send_resolved: w.sendResolved,
          http_config: { authorization: { type: w.httpConfig.authorization.type, credentials: token } },
        })),
      })),
    ],
    inhibit_rules: (spec.inhibitRules ?? []).map((rule) => ({
      source_matchers: matchers(rule.sourceMatch),
      target_matchers: matchers(rule.targetMatch),
      equal: rule.equal,
    })),
  };
}

describe('AlertmanagerConfig', () => {
  const settings: CompileSettings = {
    ...DEFAULT_SETTINGS,
    alertmanager: {
      ...DEFAULT_SETTINGS.alertmanager,
      webhookUrl: 'http://slactl.slactl.svc:8080/api/v1/alertmanager',
    },
  };

  it('has the route, receiver and inhibitions of alertmanager.yaml in the CRD form, the token from a Secret', () => {
    const resource = parse(emitAlertmanagerConfig(examples, settings, TARGET)!) as Resource;
    const am = parse(emitAlertmanager(examples, settings)) as {
      route: Record<string, unknown>;
      inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
    };
    expect(resource.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
    expect(resource.kind).toBe('AlertmanagerConfig');
    expect(resource.metadata).toEqual({
      name: 'slactl',
      namespace: 'monitoring',
      labels: {
        'app.kubernetes.io/managed-by': 'slactl',
        'example.com/team': 'ml-platform',
        release: 'kube-prometheus-stack',
      },
    });
    const converted = operatorGenerated(resource, 'None', 't');
    const route = (converted.route as { routes: Array<Record<string, unknown>> }).routes[0]!;
    expect(route).toMatchObject({
      group_by: am.route.group_by,
      group_wait: am.route.group_wait,
      group_interval: am.route.group_interval,
      repeat_interval: am.route.repeat_interval,
      matchers: ['sla=~"fraud-scoring|recommendations|search-rag"'],
    });
    expect(converted.inhibit_rules).toEqual(am.inhibit_rules);
    expect(resource.spec.receivers).toEqual([
      {
        name: 'slactl',
        webhookConfigs: [
          {
            url: 'http://slactl.slactl.svc:8080/api/v1/alertmanager',
            sendResolved: true,
            httpConfig: {
              authorization: { type: 'Bearer', credentials: { name: 'slactl-webhook', key: 'token' } },
            },
          },
        ],
      },
    ]);
    expect(loopbackWebhookWarning(settings)).toBeUndefined();
  });

  it('quotes the matchType "=" that YAML 1.1 parsers would read as the value-key indicator', () => {
    const text = emitAlertmanagerConfig(examples, settings, TARGET)!;
    expect(text).toContain('matchType: "="\n');
    expect(text).not.toMatch(/matchType: =\n/);
  });

  it('converted the way the operator does, passes amtool and routes only slactl alerts to the webhook', async () => {
    const resource = parse(emitAlertmanagerConfig(examples, settings, TARGET)!) as Resource;
    const slactl = 'monitoring/slactl/slactl';
    for (const strategy of ['None', 'OnNamespace'] as const) {
      const file = `alertmanager-${strategy}.yaml`;
      writeFileSync(path.join(dir, file), stringify(operatorGenerated(resource, strategy, 'test-token')));
      expect(await tool(AMTOOL, ['check-config', file], dir)).toContain('SUCCESS');
      const routes = async (...labels: string[]) =>
        (
          await tool(AMTOOL, ['config', 'routes', 'test', `--config.file=${file}`, ...labels], dir, true)
        ).trim();
      // An alert of another team never reaches the webhook.
      expect(await routes('sla=checkout', 'alertname=X')).toBe('fallback');
      expect(await routes('alertname=X')).toBe('fallback');
      // With the default strategy a slactl alert needs the namespace label to be routed (docs/compatibility.md).
      expect(await routes('sla=recommendations', 'alertname=AvailabilityBudgetBurn')).toBe(
        strategy === 'None' ? slactl : 'fallback',
      );
      expect(
        await routes('sla=recommendations', 'alertname=AvailabilityBudgetBurn', 'namespace=monitoring'),
      ).toBe(slactl);
    }
  });

  it('reads the webhook URL host for the loopback warning', () => {
    const at = (webhookUrl: string) =>
      loopbackWebhookWarning({
        ...DEFAULT_SETTINGS,
        alertmanager: { ...DEFAULT_SETTINGS.alertmanager, webhookUrl },
      });
    expect(at('http://localhost:8080/x')).toContain('a loopback address');
    expect(at('http://127.1.2.3/x')).toContain('a loopback address');
    expect(at('http://[::1]:8080/x')).toContain('a loopback address');
    expect(at('https://slactl.example.com/x')).toBeUndefined();
    expect(at('http://10.0.0.1/x')).toBeUndefined();
  });
});

describe('Kubernetes names', () => {
  it.each([
    ['monitoring', undefined],
    ['a', undefined],
    ['team-1', undefined],
    ['Monitoring', 'must be lower-case letters, digits and "-", starting and ending with a letter or digit'],
    ['-x', 'must be lower-case letters, digits and "-", starting and ending with a letter or digit'],
    ['a.b', 'must be lower-case letters, digits and "-", starting and ending with a letter or digit'],
    ['', 'must be lower-case letters, digits and "-", starting and ending with a letter or digit'],
    ['a'.repeat(64), 'must be at most 63 characters, got 64'],
  ])('namespace %j', (value, problem) => {
    expect(dns1123LabelProblem(value)).toBe(problem);
  });

  it.each([
    ['slactl-webhook', undefined],
    ['a.b-c.d', undefined],
    [
      'a..b',
      'must be lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
    ],
    ['a'.repeat(254), 'must be at most 253 characters, got 254'],
  ])('resource name %j', (value, problem) => {
    expect(dns1123SubdomainProblem(value)).toBe(problem);
  });

  it.each([
    ['release', undefined],
    ['app.kubernetes.io/part-of', undefined],
    ['example.com/Team_1.x', undefined],
    ['/x', 'has an empty prefix before "/"'],
    ['x/', 'has an empty name'],
    ['', 'has an empty name'],
    [
      'Example.com/x',
      'prefix "Example.com" must be lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
    ],
    ['-x', 'name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit'],
    [
      'a b',
      'name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    [
      'a/b/c',
      'name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    ['k'.repeat(64), 'name part must be at most 63 characters, got 64'],
  ])('label key %j', (value, problem) => {
    expect(labelKeyProblem(value)).toBe(problem);
  });

  it.each([
    ['kube-prometheus-stack', undefined],
    ['', undefined],
    ['v1.2_3', undefined],
    [
      'a b',
      'must be empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    ['x-', 'must be empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit'],
    ['v'.repeat(64), 'must be at most 63 characters, got 64'],
  ])('label value %j', (value, problem) => {
    expect(labelValueProblem(value)).toBe(problem);
  });

  it.each([
    ['token', undefined],
    ['webhook.token_1-a', undefined],
    ['.token', undefined],
    ['..token', 'must not be "." or start with ".."'],
    ['.', 'must not be "." or start with ".."'],
    ['a/b', 'must be letters, digits, "-", "_" and "."'],
    ['', 'must be letters, digits, "-", "_" and "."'],
  ])('Secret key %j', (value, problem) => {
    expect(secretKeyProblem(value)).toBe(problem);
  });
});
