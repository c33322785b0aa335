// Checks that need more than one field: p999 >= p99, budgets within p99, fallback after stale, unique
// entries, window length, burn tiers that can fire, and the PromQL of custom SLIs. Each check reads the
// raw document and parses only the fields it needs, so one bad field never hides the other problems.
import { formatNumber, formatPercent, formatDuration, parseDuration, parseRatio } from '../lib/units.js';
import type { Diagnostic, Severity } from '../lib/diagnostics.js';
import { burnTiers, MIN_WINDOW_MS } from './burn-tiers.js';
import {
  formatPath,
  nodeAt,
  offsetInScalar,
  offsetOf,
  positionAt,
  type PathSegment,
  type SourceDoc,
} from './positions.js';
import { findPromqlError, findSelectorError, WINDOW_PLACEHOLDER } from './promql-check.js';

export const DEFAULT_WINDOW_MS = 30 * 86_400_000;

/** Labels the compiler sets itself; metadata.labels may not override them. */
export const RESERVED_LABELS = [
  'alertname',
  'sla',
  'service',
  'severity',
  'slo',
  'burn_tier',
  'component',
  'feature',
  'index',
  'consumer_group',
  'le',
];

type Raw = Record<string, unknown>;

function get(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Raw)[segment as string];
  }
  return current;
}

function list(data: unknown, path: readonly PathSegment[]): unknown[] {
  const value = get(data, path);
  return Array.isArray(value) ? value : [];
}

/** Runs the cross-field checks of one SLA document. */
export function semanticChecks(source: SourceDoc, data: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    severity: Severity,
    code: string,
    path: readonly PathSegment[],
    message: string,
    hint?: string,
    offset?: number,
  ): void => {
    const pos = positionAt(source, offset ?? offsetOf(source, path));
    out.push({
      code,
      severity,
      message,
      file: source.file,
      path: formatPath(path),
      line: pos.line,
      column: pos.column,
      ...(hint !== undefined ? { hint } : {}),
    });
  };
  const duration = (path: readonly PathSegment[]): number | undefined => {
    const parsed = parseDuration(get(data, path));
    return parsed.ok && parsed.value > 0 ? parsed.value : undefined;
  };

  // Latency: p999 >= p99 and the component budget within p99.
  const p99 = duration(['spec', 'latency', 'p99']);
  const p999 = duration(['spec', 'latency', 'p999']);
  if (p99 !== undefined && p999 !== undefined && p999 < p99) {
    report(
      'error',
      'p999_below_p99',
      ['spec', 'latency', 'p999'],
      `p999 (${formatDuration(p999)}) is below p99 (${formatDuration(p99)}): the 99.9th percentile can never be faster than the 99th`,
    );
  }
  const budget = get(data, ['spec', 'latency', 'budget']);
  if (p99 !== undefined && budget !== null && typeof budget === 'object' && !Array.isArray(budget)) {
    let sum = 0;
    let complete = true;
    for (const key of Object.keys(budget)) {
      const ms = duration(['spec', 'latency', 'budget', key]);
      if (ms === undefined) complete = false;
      else sum += ms;
    }
    if (complete && sum > p99) {
      report(
        'error',
        'budget_exceeds_target',
        ['spec', 'latency', 'budget'],
        `component budgets sum to ${formatDuration(sum)}, ${formatDuration(sum - p99)} over the p99 target of ${formatDuration(p99)}`,
        'shrink a component budget or renegotiate the p99 target',
      );
    }
  }

  // Freshness: fallback strictly after stale; one entry per feature.
  const seenFeatures = new Map<string, number>();
  list(data, ['spec', 'freshness']).forEach((_, i) => {
    const maxAge = duration(['spec', 'freshness', i, 'maxAge']);
    const fallback = duration(['spec', 'freshness', i, 'fallbackAfter']);
    if (maxAge !== undefined && fallback !== undefined && fallback <= maxAge) {
      report(
        'error',
        'fallback_not_after_stale',
        ['spec', 'freshness', i, 'fallbackAfter'],
        `fallbackAfter (${formatDuration(fallback)}) must be longer than maxAge (${formatDuration(maxAge)})`,
        'features first go stale (alert), later so stale that the fallback is served',
      );
    }
    duplicate(
      seenFeatures,
      get(data, ['spec', 'freshness', i, 'feature']),
      i,
      ['spec', 'freshness'],
      'feature',
    );
  });

  // One entry per index: recall and tombstone alerts are labelled by index, so two entries would collide.
  const seenRecall = new Map<string, number>();
  list(data, ['spec', 'recall']).forEach((_, i) => {
    duplicate(seenRecall, get(data, ['spec', 'recall', i, 'index']), i, ['spec', 'recall'], 'index');
  });
  const seenGroups = new Map<string, number>();
  list(data, ['spec', 'signals', 'streamLag']).forEach((_, i) => {
    duplicate(
      seenGroups,
      get(data, ['spec', 'signals', 'streamLag', i, 'consumerGroup']),
      i,
      ['spec', 'signals', 'streamLag'],
      'consumerGroup',
    );
  });

  function duplicate(
    seen: Map<string, number>,
    key: unknown,
    index: number,
    base: readonly PathSegment[],
    what: string,
  ): void {
    if (typeof key !== 'string') return;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return;
    }
    const firstPos = positionAt(source, offsetOf(source, [...base, first]));
    report(
      'error',
      'duplicate_entry',
      [...base, index],
      `duplicate ${what} "${key}" (first at line ${firstPos.line})`,
      'each entry may appear once; merge them',
    );
  }

  // Labels copied onto alerts must not collide with the compiler's own or contain template syntax.
  const labels = get(data, ['metadata', 'labels']);
  if (labels !== null && typeof labels === 'object' && !Array.isArray(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      if (RESERVED_LABELS.includes(key)) {
        const pos = positionAt(source, offsetOf(source, ['metadata', 'labels', key], true));
        out.push({
          code: 'reserved_label',
          severity: 'error',
          message: `label "${key}" is set by slactl itself and cannot be overridden`,
          file: source.file,
          path: formatPath(['metadata', 'labels', key]),
          line: pos.line,
          column: pos.column,
          hint: `reserved: ${RESERVED_LABELS.join(', ')}`,
        });
      }
      if (typeof value === 'string' && (value.includes('{{') || value.includes('}}'))) {
        report(
          'error',
          'template_syntax',
          ['metadata', 'labels', key],
          'label values may not contain {{ or }}: Prometheus would expand them as templates',
        );
      }
    }
  }

  // The spec must promise something.
  const spec = get(data, ['spec']);
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const keys = ['latency', 'availability', 'freshness', 'recall', 'signals'];
    const declared = (k: string): boolean => {
      const value = (spec as Raw)[k];
      if (value === undefined || value === null) return false;
      if (Array.isArray(value)) return value.length > 0;
      return typeof value !== 'object' || Object.keys(value).length > 0;
    };
    if (!keys.some(declared)) {
      report(
        'error',
        'no_objectives',
        ['spec'],
        'the SLA declares no objectives',
        `add one of: ${keys.join(', ')}`,
      );
    }
  }

  // Window length and the burn tiers it allows.
  const windowRaw = get(data, ['spec', 'window']);
  const windowMs = windowRaw === undefined ? DEFAULT_WINDOW_MS : duration(['spec', 'window']);
  if (windowMs !== undefined) {
    if (windowMs < MIN_WINDOW_MS) {
      report(
        'error',
        'window_too_short',
        ['spec', 'window'],
        `window ${formatDuration(windowMs)} is shorter than ${formatDuration(MIN_WINDOW_MS)}, the long window of the fastest burn-rate tier`,
        'SLO windows are usually 7d, 28d or 30d',
      );
    } else {
      const { tiers, dropped } = burnTiers(windowMs);
      if (dropped.length > 0) {
        report(
          'warning',
          'window_too_short',
          ['spec', 'window'],
          `window ${formatDuration(windowMs)} is too short for the burn-rate tiers ${dropped.join(', ')}; they are left out`,
          'a window of 3d or more keeps all four tiers',
        );
      }
      const fastest = tiers[0];
      const objectivePaths: Array<{ path: PathSegment[]; target: number | undefined; what: string }> = [
        {
          path: ['spec', 'availability', 'objective'],
          target: ratioAt(['spec', 'availability', 'objective']),
          what: 'availability',
        },
        {
          path: ['spec', 'latency', 'p99'],
          target: p99 === undefined ? undefined : 0.99,
          what: 'p99 latency',
        },
        {
          path: ['spec', 'latency', 'p999'],
          target: p999 === undefined ? undefined : 0.999,
          what: 'p999 latency',
        },
      ];
      for (const { path, target, what } of objectivePaths) {
        if (fastest && target !== undefined && target > 0 && target < 1) {
          const threshold = fastest.factor * (1 - target);
          if (threshold >= 1) {
            report(
              'warning',
              'page_tier_cannot_fire',
              path,
              `the ${what} objective ${formatPercent(target)} leaves a ${formatPercent(1 - target)} error budget; the fastest page tier needs an error ratio above ${formatPercent(threshold)} (${formatNumber(fastest.factor)}× the budget), which cannot happen`,
              what === 'availability'
                ? `objectives below ${formatPercent(Number((1 - 1 / fastest.factor).toPrecision(4)))} only page through the slower tiers`
                : 'a shorter window lowers the factor; latency percentiles only page through the slower tiers otherwise',
            );
          }
        }
      }
    }
  }

  function ratioAt(path: readonly PathSegment[]): number | undefined {
    const parsed = parseRatio(get(data, path));
    return parsed.ok ? parsed.value : undefined;
  }

  // Custom SLIs: a {{window}} placeholder and valid PromQL, positioned inside the YAML string.
  for (const field of ['errors', 'total']) {
    const path = ['spec', 'availability', 'sli', field];
    const query = get(data, path);
    if (typeof query !== 'string') continue;
    const node = nodeAt(source, path);
    if (!query.includes(WINDOW_PLACEHOLDER)) {
      report(
        'error',
        'missing_window_placeholder',
        path,
        `the ${field} query has no ${WINDOW_PLACEHOLDER} placeholder, so it cannot be evaluated over the burn-rate windows`,
        `write the range as [${WINDOW_PLACEHOLDER}], e.g. sum(rate(http_requests_total[${WINDOW_PLACEHOLDER}]))`,
      );
    }
    const error = findPromqlError(query);
    if (error)
      report(
        'error',
        'promql_syntax',
        path,
        error.message,
        undefined,
        offsetInScalar(source, node, error.offset),
      );
  }
  const selector = get(data, ['spec', 'latency', 'sli', 'selector']);
  if (typeof selector === 'string' && selector.trim() !== '') {
    const path = ['spec', 'latency', 'sli', 'selector'];
    const error = findSelectorError(selector);
    if (error) {
      report(
        'error',
        'promql_syntax',
        path,
        `invalid label selector: ${error.message}`,
        'write label matchers such as job="recs",env!="dev"',
        offsetInScalar(source, nodeAt(source, path), error.offset),
      );
    }
  }
  return out;
}
