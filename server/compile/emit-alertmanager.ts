// Emits alerts/alertmanager.yaml: one route to the control plane's webhook, and the inhibitions that keep
// a page from arriving with its own ticket, a fallback with its staleness, a stall with its slow catch-up.
import { generatedHeader } from './emit-rules.js';
import type { CompileSettings, SlaPlan } from './ir.js';
import { renderMatcher } from './promql.js';
import { toYaml } from './yaml-out.js';

type InhibitRule = {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
};

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
  const name = (alertname: string) => renderMatcher({ name: 'alertname', op: '=', value: alertname });
  const rules: InhibitRule[] = [];
  const pagesAndTickets = plans.some((p) =>
    p.objectives.some(
      (o) => o.tiers.some((t) => t.id.startsWith('page-')) && o.tiers.some((t) => t.id.startsWith('ticket-')),
    ),
  );
  if (pagesAndTickets) {
    rules.push({
      source_matchers: ['severity="critical"', 'burn_tier=~"page-.*"'],
      target_matchers: ['severity="warning"', 'burn_tier=~"ticket-.*"'],
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
        source_matchers: [name(source)],
        target_matchers: [name(target)],
        equal: ['sla', subject],
      });
    }
  }
  return rules;
}

/** Renders the Alertmanager configuration routing every SLA's alerts to the control plane. */
export function emitAlertmanager(plans: SlaPlan[], settings: CompileSettings): string {
  const sorted = [...plans].sort((a, b) => a.name.localeCompare(b.name));
  const inhibit = inhibitRules(sorted);
  const config = {
    route: {
      receiver: 'slactl',
      group_by: ['sla', 'alertname'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: 'slactl',
        webhook_configs: [
          {
            url: settings.alertmanager.webhookUrl,
            send_resolved: true,
            http_config: {
              // Resolved by Alertmanager relative to this file; the token itself is never generated.
              authorization: { type: 'Bearer', credentials_file: settings.alertmanager.tokenFile },
            },
          },
        ],
      },
    ],
    ...(inhibit.length > 0 ? { inhibit_rules: inhibit } : {}),
  };
  const slas = sorted.length === 0 ? 'none' : sorted.map((p) => p.name).join(', ');
  return toYaml(config, generatedHeader(undefined, `SLAs: ${slas}`));
}
