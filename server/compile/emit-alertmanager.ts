// Emits alerts/alertmanager.yaml: one route to the control plane's webhook, and the inhibitions that keep
// a page from arriving with its own ticket, a fallback with its staleness, a stall with its slow catch-up.
import { generatedHeader } from './emit-rules.js';
import type { CompileSettings, SlaPlan } from './ir.js';
import { eq, renderMatcher, type LabelMatcher } from './promql.js';
import { toYaml } from './yaml-out.js';

/** An inhibition: alerts matching `target` are muted while one matching `source` fires with equal labels. */
export interface InhibitRule {
  source: LabelMatcher[];
  target: LabelMatcher[];
  equal: string[];
}

/**
 * What alertmanager.yaml says, before it is written: the one route and webhook receiver, and the
 * inhibitions. The prometheus-operator target writes the same in the AlertmanagerConfig CRD's form.
 */
export interface AlertmanagerSpec {
  route: {
    receiver: string;
    groupBy: string[];
    groupWait: string;
    groupInterval: string;
    repeatInterval: string;
  };
  receiver: { name: string; webhookUrl: string; sendResolved: boolean; tokenFile: string };
  inhibitRules: InhibitRule[];
}

function alertnames(plans: readonly SlaPlan[]): Set<string> {
  const names = new Set<string>();
  for (const plan of plans) {
    for (const o of plan.objectives) names.add(o.alertname);
    for (const t of plan.thresholds) names.add(t.alertname);
  }
  return names;
}

function inhibitRules(plans: readonly SlaPlan[]): InhibitRule[] {
  const names = alertnames(plans);
  const rules: InhibitRule[] = [];
  const pagesAndTickets = plans.some((p) =>
    p.objectives.some(
      (o) => o.tiers.some((t) => t.id.startsWith('page-')) && o.tiers.some((t) => t.id.startsWith('ticket-')),
    ),
  );
  if (pagesAndTickets) {
    rules.push({
      source: [eq('severity', 'critical'), { name: 'burn_tier', op: '=~', value: 'page-.*' }],
      target: [eq('severity', 'warning'), { name: 'burn_tier', op: '=~', value: 'ticket-.*' }],
      equal: ['sla', 'slo', 'alertname'],
    });
  }
  const pairs: Array<[string, string, string]> = [
    ['FeatureFallbackRequired', 'FeatureStale', 'feature'],
    ['StreamStalled', 'StreamCatchUpSlow', 'consumer_group'],
  ];
  for (const [source, target, subject] of pairs) {
    if (names.has(source) && names.has(target)) {
      rules.push({
        source: [eq('alertname', source)],
        target: [eq('alertname', target)],
        equal: ['sla', subject],
      });
    }
  }
  return rules;
}

/** The Alertmanager configuration routing every SLA's alerts to the control plane, as data. */
export function alertmanagerSpec(plans: readonly SlaPlan[], settings: CompileSettings): AlertmanagerSpec {
  return {
    route: {
      receiver: 'slactl',
      groupBy: ['sla', 'alertname'],
      groupWait: '30s',
      groupInterval: '5m',
      repeatInterval: '4h',
    },
    receiver: {
      name: 'slactl',
      webhookUrl: settings.alertmanager.webhookUrl,
      sendResolved: true,
      tokenFile: settings.alertmanager.tokenFile,
    },
    inhibitRules: inhibitRules(plans),
  };
}

/** Renders the Alertmanager configuration routing every SLA's alerts to the control plane. */
export function emitAlertmanager(plans: SlaPlan[], settings: CompileSettings): string {
  const sorted = [...plans].sort((a, b) => a.name.localeCompare(b.name));
  const { route, receiver, inhibitRules: inhibit } = alertmanagerSpec(sorted, settings);
  const config = {
    route: {
      receiver: route.receiver,
      group_by: route.groupBy,
      group_wait: route.groupWait,
      group_interval: route.groupInterval,
      repeat_interval: route.repeatInterval,
    },
    receivers: [
      {
        name: receiver.name,
        webhook_configs: [
          {
            url: receiver.webhookUrl,
            send_resolved: receiver.sendResolved,
            http_config: {
              // Resolved by Alertmanager relative to this file; the token itself is never generated.
              authorization: { type: 'Bearer', credentials_file: receiver.tokenFile },
            },
          },
        ],
      },
    ],
    ...(inhibit.length > 0
      ? {
          inhibit_rules: inhibit.map((rule) => ({
            source_matchers: rule.source.map(renderMatcher),
            target_matchers: rule.target.map(renderMatcher),
            equal: rule.equal,
          })),
        }
      : {}),
  };
  const slas = sorted.length === 0 ? 'none' : sorted.map((p) => p.name).join(', ');
  return toYaml(config, generatedHeader(undefined, `SLAs: ${slas}`));
}
