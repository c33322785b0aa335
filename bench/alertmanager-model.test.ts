// The Alertmanager model against the dispatcher's documented behaviour: group_wait for a new group,
// group_interval after, resolved notifications at the next flush, groups by group_by, inhibition.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../server/remediate/alertmanager.js';
import {
  loadAlertmanagerRoute,
  notifications,
  parseMatcher,
  type AlertmanagerRoute,
  type SentAlert,
} from './alertmanager-model.js';

const M = 60_000;
const committed = loadAlertmanagerRoute(path.resolve(import.meta.dirname, '../alerts/alertmanager.yaml'));
const route: AlertmanagerRoute = committed;

const alert = (labels: Record<string, string>, firedAt: number, resolvedAt?: number): SentAlert => ({
  labels: { sla: 's', ...labels },
  annotations: { summary: labels.alertname ?? '' },
  firedAt,
  ...(resolvedAt !== undefined ? { resolvedAt } : {}),
});

/** Each notification as `minute: alertname=status,…`. */
function timeline(alerts: SentAlert[], untilMs = 60 * M): string[] {
  return notifications(route, alerts, untilMs).map(
    (n) =>
      `${n.at / M}: ${n.payload.alerts.map((a) => `${a.labels.alertname}${a.labels.feature ? `/${a.labels.feature}` : ''}=${a.status}`).join(',')}`,
  );
}

describe('the committed alertmanager.yaml', () => {
  it('reads group_by, the timers and the inhibition rules', () => {
    expect(committed.groupBy).toEqual(['sla', 'alertname']);
    expect([committed.groupWaitMs, committed.groupIntervalMs, committed.repeatIntervalMs]).toEqual([
      30_000,
      5 * M,
      4 * 60 * M,
    ]);
    expect(committed.sendResolved).toBe(true);
    expect(committed.inhibit).toHaveLength(3);
  });
});

describe('notifications', () => {
  it('notifies a new group after group_wait, and its resolution at the next group_interval tick', () => {
    expect(timeline([alert({ alertname: 'A' }, 10 * M, 12 * M)])).toEqual([
      '10.5: A=firing',
      '15.5: A=resolved',
    ]);
  });

  it('adds an alert of an existing group at the next tick, and a new group has its own group_wait', () => {
    expect(
      timeline([
        alert({ alertname: 'A', feature: 'f1' }, 10 * M),
        alert({ alertname: 'A', feature: 'f2' }, 11 * M),
        alert({ alertname: 'B' }, 11 * M),
      ]),
    ).toEqual(['10.5: A/f1=firing', '11.5: B=firing', '15.5: A/f1=firing,A/f2=firing']);
  });

  it('sends nothing for an alert that fired and resolved before its group flushed', () => {
    expect(timeline([alert({ alertname: 'A' }, 10 * M, 10.25 * M)])).toEqual([]);
  });

  it('opens a new group, with group_wait again, for an alert after the group emptied', () => {
    expect(timeline([alert({ alertname: 'A' }, 10 * M, 11 * M), alert({ alertname: 'A' }, 20 * M)])).toEqual([
      '10.5: A=firing',
      '15.5: A=resolved',
      '20.5: A=firing',
    ]);
  });

  it('mutes FeatureStale while FeatureFallbackRequired fires for the same feature', () => {
    expect(
      timeline([
        alert({ alertname: 'FeatureStale', feature: 'f' }, 10 * M),
        alert({ alertname: 'FeatureFallbackRequired', feature: 'f' }, 10.25 * M),
        alert({ alertname: 'FeatureStale', feature: 'g' }, 10 * M),
      ]),
    ).toEqual(['10.5: FeatureStale/g=firing', '10.75: FeatureFallbackRequired/f=firing']);
  });

  it('builds webhook payloads the control plane accepts (version 4, group key, zero endsAt while firing)', () => {
    const [first] = notifications(route, [alert({ alertname: 'A' }, 10 * M)], 60 * M);
    expect(first?.payload).toMatchObject({
      version: '4',
      groupKey: '{}:{alertname="A", sla="s"}',
      status: 'firing',
      receiver: 'slactl',
      groupLabels: { alertname: 'A', sla: 's' },
    });
    expect(first?.payload.alerts[0]).toMatchObject({
      status: 'firing',
      startsAt: new Date(10 * M).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
    });
    // The product's own webhook parser, on the payload as it crosses the wire.
    const parsed = parseWebhook(JSON.parse(JSON.stringify(first?.payload)));
    expect(parsed).toMatchObject({ ok: true, rejected: [] });
    expect(parsed.ok && parsed.alerts.map((a) => a.index)).toEqual([0]);
  });
});

describe('parseMatcher', () => {
  it.each([
    ['severity="critical"', { name: 'severity', op: '=', value: 'critical' }],
    ['burn_tier=~"page-.*"', { name: 'burn_tier', op: '=~', value: 'page-.*' }],
    ['team!=risk', { name: 'team', op: '!=', value: 'risk' }],
  ])('%s', (text, expected) => {
    expect(parseMatcher(text, 'here')).toMatchObject(expected);
  });

  it('names what it cannot read', () => {
    expect(() => parseMatcher('severity', 'inhibit_rules[0]')).toThrow(
      'inhibit_rules[0]: cannot read the matcher "severity"',
    );
  });
});
