// The prometheus-operator target of `slactl compile`: per SLA a PrometheusRule (monitoring.coreos.com/v1)
// whose spec.groups are the rule groups of the prometheus target's <sla>.rules.yaml, and
// one AlertmanagerConfig (monitoring.coreos.com/v1alpha1) with the route, receiver and inhibitions of
// alertmanager.yaml in the CRD's camelCase form, the webhook's bearer token read from a Secret.
// Kubernetes names and labels are checked here with the API server's own rules (apimachinery's
// validation package), so that nothing written is refused at `kubectl apply`.
import type { Diagnostic } from '../lib/diagnostics.js';
import { alertmanagerSpec } from './emit-alertmanager.js';
import { generatedHeader, type RuleGroup } from './emit-rules.js';
import type { CompileSettings, SlaPlan } from './ir.js';
import type { LabelMatcher } from './promql.js';
import { toYaml, type YamlValue } from './yaml-out.js';

/** A Secret key that holds the webhook's bearer token. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/** Where `slactl compile` writes for prometheus-operator, and how the resources are labelled. */
export interface OperatorTarget {
  kind: 'prometheus-operator';
  /** metadata.namespace of every resource; absent, `kubectl apply` uses its context's namespace. */
  namespace?: string;
  /** Extra metadata.labels, e.g. the ones a Prometheus resource's ruleSelector matches. */
  labels: Record<string, string>;
  /** The Secret key in the AlertmanagerConfig's namespace that holds the webhook's bearer token. */
  webhookSecret: SecretKeyRef;
}

/** What `slactl compile` writes: plain Prometheus files, or prometheus-operator resources. */
export type OutputTarget = { kind: 'prometheus' } | OperatorTarget;

export const PROMETHEUS_TARGET: OutputTarget = { kind: 'prometheus' };
export const TARGET_KINDS = ['prometheus', 'prometheus-operator'] as const;

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const SLA_LABEL = 'slactl.io/sla';
/** Labels slactl sets on every resource; `--label` may not replace them. */
export const RESERVED_K8S_LABELS: readonly string[] = [MANAGED_BY_LABEL, SLA_LABEL];
export const DEFAULT_WEBHOOK_SECRET: SecretKeyRef = { name: 'slactl-webhook', key: 'token' };

export const ALERTMANAGER_CONFIG_FILE = 'alertmanagerconfig.yaml';
export const ALERTMANAGER_CONFIG_NAME = 'slactl';

/** The file of an SLA's PrometheusRule. */
export function prometheusRuleFile(sla: string): string {
  return `${sla}.prometheusrule.yaml`;
}

/** metadata.name of an SLA's PrometheusRule. */
export function prometheusRuleName(sla: string): string {
  return `slactl-${sla}`;
}

// The patterns and limits of k8s.io/apimachinery/pkg/util/validation.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;

/** Why a string is not a DNS-1123 label (a namespace name), or undefined when it is one. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > DNS1123_LABEL_MAX)
    return `must be at most ${DNS1123_LABEL_MAX} characters, got ${value.length}`;
  if (!DNS1123_LABEL.test(value))
    return 'must be lower-case letters, digits and "-", starting and ending with a letter or digit';
  return undefined;
}

/** Why a string is not a DNS-1123 subdomain (most resource names), or undefined when it is one. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > DNS1123_SUBDOMAIN_MAX)
    return `must be at most ${DNS1123_SUBDOMAIN_MAX} characters, got ${value.length}`;
  if (!DNS1123_SUBDOMAIN.test(value))
    return 'must be lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit';
  return undefined;
}

/** Why a string is not a label key (`[prefix/]name`), or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix === '') return 'has an empty prefix before "/"';
    const problem = dns1123SubdomainProblem(prefix);
    if (problem !== undefined) return `prefix "${prefix}" ${problem}`;
  }
  if (name === '') return 'has an empty name';
  if (name.length > QUALIFIED_NAME_MAX)
    return `name part must be at most ${QUALIFIED_NAME_MAX} characters, got ${name.length}`;
  if (!QUALIFIED_NAME.test(name))
    return 'name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why a string is not a label value, or undefined when it is one (the empty string is one). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > LABEL_VALUE_MAX)
    return `must be at most ${LABEL_VALUE_MAX} characters, got ${value.length}`;
  if (!LABEL_VALUE.test(value))
    return 'must be empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why a string is not a Secret data key, or undefined when it is one. */
export function secretKeyProblem(key: string): string | undefined {
  if (key.length > DNS1123_SUBDOMAIN_MAX)
    return `must be at most ${DNS1123_SUBDOMAIN_MAX} characters, got ${key.length}`;
  if (!CONFIG_MAP_KEY.test(key)) return 'must be letters, digits, "-", "_" and "."';
  if (key === '.' || key === '..' || key.startsWith('..')) return 'must not be "." or start with ".."';
  return undefined;
}

/**
 * Errors for an SLA whose name cannot become Kubernetes names: the PrometheusRule's metadata.name and
 * the value of its `slactl.io/sla` label. SLA names are `^[a-z][a-z0-9-]*$`, so only the length and a
 * trailing dash can fail.
 */
export function operatorNameDiagnostics(plan: SlaPlan): Diagnostic[] {
  const problems: string[] = [];
  const resourceProblem = dns1123SubdomainProblem(prometheusRuleName(plan.name));
  if (resourceProblem !== undefined)
    problems.push(`as the PrometheusRule name "${prometheusRuleName(plan.name)}" it ${resourceProblem}`);
  const valueProblem = labelValueProblem(plan.name);
  if (valueProblem !== undefined) problems.push(`as the value of the ${SLA_LABEL} label it ${valueProblem}`);
  if (problems.length === 0) return [];
  return [
    {
      code: 'kubernetes_name_invalid',
      severity: 'error',
      message: `SLA name "${plan.name}" cannot name Kubernetes resources: ${problems.join('; ')}`,
      file: plan.source.file,
      path: 'metadata.name',
      line: plan.source.line,
      column: 1,
      hint: 'use a name of at most 63 characters that ends in a letter or digit, or compile with --target prometheus',
    },
  ];
}

function metadata(
  target: OperatorTarget,
  name: string,
  own: Record<string, string>,
): { [key: string]: YamlValue | undefined } {
  const labels: Record<string, string> = { [MANAGED_BY_LABEL]: 'slactl', ...own };
  for (const key of Object.keys(target.labels).sort()) {
    if (!(key in labels)) labels[key] = target.labels[key]!;
  }
  return { name, namespace: target.namespace, labels };
}

/**
 * Renders an SLA's PrometheusRule: spec.groups are the rule groups of its rules file (ruleGroups), so
 * both targets always carry the very same rules.
 */
export function emitPrometheusRule(plan: SlaPlan, groups: RuleGroup[], target: OperatorTarget): string {
  return toYaml(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: metadata(target, prometheusRuleName(plan.name), { [SLA_LABEL]: plan.name }),
      spec: { groups },
    },
    generatedHeader(
      plan.source,
      `spec.groups are the rule groups of ${plan.name}.rules.yaml (slactl compile --target prometheus).`,
    ),
  );
}

/** The CRD's Matcher object for a matcher of alertmanager.yaml. */
function crdMatcher(m: LabelMatcher): { name: string; matchType: string; value: string } {
  return { name: m.name, matchType: m.op, value: m.value };
}

/**
 * Renders the AlertmanagerConfig for the compiled SLAs, or undefined when there are none (there is then
 * nothing to route). It is alertmanager.yaml in the CRD's form, written from the same alertmanagerSpec so
 * that the two never disagree, with two differences: the route matches only the compiled SLAs' alerts,
 * since the operator adds it beside other routes rather than as the root, and the bearer token comes
 * from a Secret instead of a file.
 */
export function emitAlertmanagerConfig(
  plans: readonly SlaPlan[],
  settings: CompileSettings,
  target: OperatorTarget,
): string | undefined {
  if (plans.length === 0) return undefined;
  const names = plans.map((p) => p.name).sort();
  const { route, receiver, inhibitRules: inhibit } = alertmanagerSpec(plans, settings);
  const inhibitRules = inhibit.map((rule) => ({
    sourceMatch: rule.source.map(crdMatcher),
    targetMatch: rule.target.map(crdMatcher),
    equal: rule.equal,
  }));
  const spec = {
    route: {
      receiver: route.receiver,
      groupBy: route.groupBy,
      groupWait: route.groupWait,
      groupInterval: route.groupInterval,
      repeatInterval: route.repeatInterval,
      // SLA names are [a-z0-9-], nothing a regular expression treats specially.
      matchers: [{ name: 'sla', matchType: '=~', value: names.join('|') }],
    },
    receivers: [
      {
        name: receiver.name,
        webhookConfigs: [
          {
            url: receiver.webhookUrl,
            sendResolved: receiver.sendResolved,
            httpConfig: {
              authorization: {
                type: 'Bearer',
                credentials: { name: target.webhookSecret.name, key: target.webhookSecret.key },
              },
            },
          },
        ],
      },
    ],
    ...(inhibitRules.length > 0 ? { inhibitRules } : {}),
  };
  return toYaml(
    {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'AlertmanagerConfig',
      metadata: metadata(target, ALERTMANAGER_CONFIG_NAME, {}),
      spec,
    },
    generatedHeader(
      undefined,
      `SLAs: ${names.join(', ')}`,
      `The webhook's bearer token is key "${target.webhookSecret.key}" of Secret "${target.webhookSecret.name}" in this resource's namespace.`,
    ),
  );
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** A warning when the webhook URL is a loopback address, which no Alertmanager pod reaches slactl at. */
export function loopbackWebhookWarning(settings: CompileSettings): string | undefined {
  let host: string;
  try {
    host = new URL(settings.alertmanager.webhookUrl).hostname;
  } catch {
    return undefined;
  }
  if (!LOOPBACK_HOST.test(host)) return undefined;
  return (
    `${ALERTMANAGER_CONFIG_FILE} sends alerts to ${settings.alertmanager.webhookUrl}, a loopback address ` +
    `that Alertmanager pods do not reach the control plane at: set compile.alertmanager.webhookUrl in ` +
    `slactl.yaml to the control plane's in-cluster URL`
  );
}
