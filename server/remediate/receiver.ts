// Alerts in: Alertmanager's webhook and the embedded evaluator's transitions both end here. Each alert
// is an episode keyed by (fingerprint, startsAt); a delivery is stored, with the runs it starts, in one
// transaction before the sender gets its answer. Repeats, HA pairs and retries deliver an episode many
// times and it starts its runs once; a resolved notification that overtakes its firing one leaves the
// episode resolved, so the late firing one starts nothing.
import type { AuditSink } from '../audit/types.js';
import type { AlertInstance, Transition } from '../evaluate/types.js';
import type { Clock } from '../lib/clock.js';
import type { EpisodeRow, RunRows } from '../store/runs-rows.js';
import type { InboundAlert, RejectedAlert } from './alertmanager.js';
import { alertFingerprint } from './keys.js';
import type { RunEngine } from './run-engine.js';

export interface ReceiverOptions {
  /**
   * A delivery whose startsAt lies this close to the start of an episode of the same labels is that
   * episode when the episode is still firing, or was resolved but had not ended yet at that startsAt
   * (two Alertmanagers of an HA pair, or two Prometheus replicas, can disagree on the start by an
   * evaluation interval or so; a retry may arrive after the resolution). Default 2 minutes; 0 keys on
   * the exact startsAt only.
   */
  mergeWindowMs?: number;
}

/** What one delivery came to. */
export interface ReceiveSummary {
  /** Alerts in the delivery that were valid. */
  alerts: number;
  /** New episodes (firing, or resolved ones seen first). */
  new: number;
  /** Deliveries of episodes already known. */
  duplicates: number;
  /** Episodes this delivery resolved. */
  resolved: number;
  /** Runs started. */
  runs: string[];
}

/** Stores alert deliveries and starts the runs of new episodes. */
export class AlertReceiver {
  private readonly mergeWindowMs: number;

  constructor(
    private readonly deps: {
      rows: RunRows;
      engine: RunEngine;
      audit: AuditSink;
      clock: Clock;
      /**
       * The incident tree's path for a new firing episode, recorded in the audit log before its runs
       * (`triage_path`); undefined when the alert's SLA is unknown or not evaluated yet.
       */
      triage?: (alert: InboundAlert) => Record<string, unknown> | undefined;
    },
    options: ReceiverOptions = {},
  ) {
    const merge = options.mergeWindowMs ?? 120_000;
    if (!Number.isFinite(merge) || merge < 0) {
      throw new Error(
        `mergeWindowMs must be a number of milliseconds ≥ 0, got ${String(options.mergeWindowMs)}`,
      );
    }
    this.mergeWindowMs = merge;
  }

  /**
   * Records `alerts` from `source` (`alertmanager`, `evaluator`, or a token's name) and the alerts a
   * payload carried that were refused, in one transaction; durable when it returns.
   */
  receive(
    alerts: readonly InboundAlert[],
    source: string,
    rejected: readonly RejectedAlert[] = [],
  ): ReceiveSummary {
    const summary: ReceiveSummary = { alerts: alerts.length, new: 0, duplicates: 0, resolved: 0, runs: [] };
    if (alerts.length === 0 && rejected.length === 0) return summary;
    this.deps.engine.atomically(() => {
      for (const r of rejected) {
        // The payload's values stay out of the log: the problems name fields and lengths only.
        this.deps.audit.append({
          kind: 'alert_received',
          actor: source,
          data: { rejected: true, index: r.index, problems: r.problems },
        });
      }
      for (const alert of alerts) this.receiveOne(alert, source, summary);
    });
    if (summary.runs.length > 0) this.deps.engine.wake();
    return summary;
  }

  /**
   * Forgets episodes not delivered for `retentionMs` (default 30 days), so the table stays small; call
   * it with the store's other pruning. Returns how many were dropped.
   */
  prune(nowMs: number, retentionMs = 30 * 86_400_000): number {
    return this.deps.rows.pruneEpisodes(nowMs - retentionMs);
  }

  private receiveOne(alert: InboundAlert, source: string, summary: ReceiveSummary): void {
    const now = this.deps.clock.now();
    const { rows, audit, engine } = this.deps;
    const fingerprint = alertFingerprint(alert.labels);
    const alertname = alert.labels.alertname ?? '';
    const about = (e: { startsAt: number }) => ({
      alertname,
      fingerprint,
      startsAt: new Date(e.startsAt).toISOString(),
      status: alert.status,
    });

    // The episode a delivery belongs to: the exact (fingerprint, startsAt), else one within the merge
    // window — an unresolved one, or a resolved one that had not ended yet at `startsAt` (the other HA
    // replica's, or a retried, delivery of an episode already resolved; a new episode starts after the
    // previous one ended).
    const known = (startsAt: number): EpisodeRow | undefined => {
      const exact = rows.getEpisode(fingerprint, startsAt);
      if (exact !== undefined || this.mergeWindowMs === 0) return exact;
      const near = rows.episodesNear(fingerprint, startsAt, this.mergeWindowMs);
      return (
        near.find((e) => e.status === 'firing') ??
        // None is firing, so each is resolved, and a resolved episode always has its resolvedAt.
        near.find((e) => startsAt <= (e.endsAt ?? e.resolvedAt!))
      );
    };

    if (alert.status === 'firing') {
      const startsAt = alert.startsAt ?? now;
      const episode = known(startsAt);
      if (episode !== undefined) {
        rows.touchEpisode(episode.fingerprint, episode.startsAt, now);
        summary.duplicates++;
        audit.append({
          kind: 'alert_duplicate',
          actor: source,
          subject: fingerprint,
          data: {
            ...about(episode),
            reason:
              episode.status === 'resolved'
                ? 'already_resolved'
                : episode.startsAt === startsAt
                  ? 'repeat'
                  : 'same_episode',
            deliveries: episode.deliveries + 1,
          },
        });
        return;
      }
      const fresh = this.newEpisode(alert, fingerprint, startsAt, source, now, 'firing');
      rows.insertEpisode(fresh);
      summary.new++;
      audit.append({
        kind: 'alert_received',
        actor: source,
        subject: fingerprint,
        data: { ...about(fresh), labels: alert.labels },
      });
      const path = this.deps.triage?.(alert);
      if (path !== undefined) {
        audit.append({ kind: 'triage_path', actor: 'triage', subject: fingerprint, data: path });
      }
      summary.runs.push(...engine.startRunsForEpisode(fresh, source));
      return;
    }

    // Resolved.
    if (alert.startsAt === undefined) {
      const open = rows.firingEpisodesOf(fingerprint);
      for (const episode of open) this.resolve(episode, alert, source, now, summary);
      if (open.length === 0) {
        summary.duplicates++;
        audit.append({
          kind: 'alert_duplicate',
          actor: source,
          subject: fingerprint,
          data: { alertname, fingerprint, status: 'resolved', reason: 'nothing_firing' },
        });
      }
      return;
    }
    const episode = known(alert.startsAt);
    if (episode === undefined) {
      // Seen resolved first: remember the episode so its late firing delivery starts nothing.
      const fresh = this.newEpisode(alert, fingerprint, alert.startsAt, source, now, 'resolved');
      rows.insertEpisode(fresh);
      summary.new++;
      audit.append({
        kind: 'alert_received',
        actor: source,
        subject: fingerprint,
        data: { ...about(fresh), labels: alert.labels, firingNotSeen: true },
      });
      return;
    }
    if (episode.status === 'resolved') {
      rows.touchEpisode(episode.fingerprint, episode.startsAt, now);
      summary.duplicates++;
      audit.append({
        kind: 'alert_duplicate',
        actor: source,
        subject: fingerprint,
        data: { ...about(episode), reason: 'repeat', deliveries: episode.deliveries + 1 },
      });
      return;
    }
    this.resolve(episode, alert, source, now, summary);
  }

  private resolve(
    episode: EpisodeRow,
    alert: InboundAlert,
    source: string,
    now: number,
    summary: ReceiveSummary,
  ): void {
    const { rows, audit, engine } = this.deps;
    rows.touchEpisode(episode.fingerprint, episode.startsAt, now);
    rows.resolveEpisode(episode.fingerprint, episode.startsAt, now, alert.endsAt ?? null);
    summary.resolved++;
    audit.append({
      kind: 'alert_received',
      actor: source,
      subject: episode.fingerprint,
      data: {
        alertname: episode.alertname,
        fingerprint: episode.fingerprint,
        startsAt: new Date(episode.startsAt).toISOString(),
        status: 'resolved',
      },
    });
    engine.episodeResolved({ ...episode, status: 'resolved', resolvedAt: now }, source);
  }

  private newEpisode(
    alert: InboundAlert,
    fingerprint: string,
    startsAt: number,
    source: string,
    now: number,
    status: 'firing' | 'resolved',
  ): EpisodeRow {
    return {
      fingerprint,
      startsAt,
      alertname: alert.labels.alertname ?? '',
      labels: sortedLabels(alert.labels),
      annotations: alert.annotations,
      source,
      sourceFingerprint: alert.sourceFingerprint ?? null,
      status,
      firstSeenAt: now,
      lastSeenAt: now,
      deliveries: 1,
      resolvedAt: status === 'resolved' ? now : null,
      endsAt: alert.endsAt ?? null,
    };
  }
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!;
  return out;
}

/**
 * An embedded evaluator transition as an inbound alert: `firing` starts an episode at the transition
 * (as Prometheus' startsAt is the firing time), `resolved` ends the label set's firing episodes;
 * pending and inactive changes are not alerts yet and give undefined.
 */
export function alertFromTransition(
  t: Transition,
  annotations: Record<string, string> = {},
): InboundAlert | undefined {
  if (t.to === 'firing') {
    return {
      status: 'firing',
      labels: { ...t.labels, alertname: t.alertname },
      annotations,
      startsAt: t.at,
      sourceFingerprint: t.fingerprint,
    };
  }
  if (t.to === 'resolved') {
    return {
      status: 'resolved',
      labels: { ...t.labels, alertname: t.alertname },
      annotations,
      endsAt: t.at,
      sourceFingerprint: t.fingerprint,
    };
  }
  return undefined;
}

/** A firing evaluator alert as an inbound alert (for re-delivery after a restart); pending gives undefined. */
export function alertFromInstance(a: AlertInstance): InboundAlert | undefined {
  if (a.state !== 'firing') return undefined;
  return {
    status: 'firing',
    labels: { ...a.labels, alertname: a.alertname },
    annotations: a.annotations,
    startsAt: a.firedAt ?? a.activeAt,
    sourceFingerprint: a.fingerprint,
  };
}
