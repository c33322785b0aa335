// How long each resolution is kept. The defaults cover the usual SLO windows: 10 s buckets for a day
// (plus slack for the 1-day burn-rate window), minutes for a week, hours for 30 days.
import { StoreError } from './errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Retention per resolution, in ms of sample time before the prune time. */
export interface RetentionOptions {
  tenSecondMs: number;
  minuteMs: number;
  hourMs: number;
}

/** 26 h of 10 s buckets, 8 days of minutes, 35 days of hours. */
export const DEFAULT_RETENTION: Readonly<RetentionOptions> = Object.freeze({
  tenSecondMs: 26 * HOUR,
  minuteMs: 8 * DAY,
  hourMs: 35 * DAY,
});

/** The option fields, finest resolution first (the order of RESOLUTIONS_MS). */
export const RETENTION_FIELDS = ['tenSecondMs', 'minuteMs', 'hourMs'] as const;

/**
 * Fills in the defaults and checks the result. A finer resolution is never kept longer than a coarser
 * one: a default moves to fit the explicit values around it (`{ hourMs: 1 day }` keeps every
 * resolution a day), and explicit values that contradict each other are an error naming both fields.
 */
export function resolveRetention(partial: Partial<RetentionOptions> = {}): RetentionOptions {
  for (const field of RETENTION_FIELDS) {
    const value = partial[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new StoreError(
        `retention.${field} must be a positive number of milliseconds, got ${String(value)}`,
      );
    }
  }
  const explicit = RETENTION_FIELDS.filter((field) => partial[field] !== undefined);
  for (let i = 1; i < explicit.length; i++) {
    const finer = explicit[i - 1]!;
    const coarser = explicit[i]!;
    if (partial[finer]! > partial[coarser]!) {
      throw new StoreError(
        `retention.${finer} (${partial[finer]} ms) must not exceed retention.${coarser} (${partial[coarser]} ms): ` +
          'a finer resolution is never kept longer than a coarser one',
      );
    }
  }
  const resolved = { ...DEFAULT_RETENTION };
  RETENTION_FIELDS.forEach((field, i) => {
    const given = partial[field];
    if (given !== undefined) {
      resolved[field] = given;
      return;
    }
    let lower = 0;
    let upper = Infinity;
    RETENTION_FIELDS.forEach((other, j) => {
      const value = partial[other];
      if (value === undefined) return;
      if (j < i) lower = Math.max(lower, value);
      else upper = Math.min(upper, value);
    });
    resolved[field] = Math.min(Math.max(DEFAULT_RETENTION[field], lower), upper);
  });
  return resolved;
}
