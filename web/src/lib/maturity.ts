// The seed's operational maturity levels (0 Reactive … 4 Automated), computed from what is really
// configured and flowing for an SLA rather than declared. Each level has checks; an SLA is at the
// highest level whose checks, and those of every level below, all pass. A check whose input the
// server does not serve yet is `unknown`, and the level stops below it.
import type { SlaStatus } from '../api/slas';

export type CheckState = 'pass' | 'fail' | 'unknown';

export interface MaturityCheck {
  level: 1 | 2 | 3 | 4;
  label: string;
  state: CheckState;
  /** What was found, or what is missing. */
  detail: string;
}

export interface Maturity {
  level: 0 | 1 | 2 | 3 | 4;
  name: string;
  /** The seed's one-line meaning of the level reached. */
  meaning: string;
  checks: MaturityCheck[];
  /** The first check that keeps the SLA from the next level, if any. */
  next?: MaturityCheck;
}

/**
 * What the runbook API tells (lib/coverage.ts): for each alert name of the SLA, whether a runbook
 * exists, and which remediation actions an alert starts by itself here.
 */
export interface RunbookCoverage {
  alertnames: string[];
  withRunbook: string[];
  automatedActions: string[];
  /** Actions marked `auto` that do not start by themselves because `remediation.auto` is false. */
  heldActions?: string[];
}

export const LEVELS = [
  { name: 'Reactive', meaning: 'Problems are found when users report them.' },
  { name: 'Instrumented', meaning: 'Latency and availability are measured; AI-specific signals are not.' },
  {
    name: 'Alerted',
    meaning: 'Alerts cover the AI-specific signals: degradation pages before users notice.',
  },
  { name: 'Documented', meaning: 'Runbooks exist for the failure scenarios its alerts name.' },
  { name: 'Automated', meaning: 'Common remediations (compaction, scaling, retries) run automatically.' },
] as const;

function check(
  level: MaturityCheck['level'],
  label: string,
  state: CheckState,
  detail: string,
): MaturityCheck {
  return { level, label, state, detail };
}

function aiFamilies(status: SlaStatus): Array<{ name: string; configured: boolean; flowing: boolean }> {
  const s = status.signals;
  return [
    {
      name: 'freshness',
      configured: status.freshness.length > 0,
      flowing: status.freshness.some((f) => f.ageSeconds !== undefined),
    },
    {
      name: 'recall',
      configured: status.recall.length > 0,
      flowing: status.recall.some((r) => r.probes > 0),
    },
    { name: 'null rate', configured: s.nullRate !== undefined, flowing: (s.nullRate?.length ?? 0) > 0 },
    { name: 'drift', configured: s.drift !== undefined, flowing: (s.drift?.length ?? 0) > 0 },
    {
      name: 'stream lag',
      configured: s.streams !== undefined,
      flowing: (s.streams ?? []).some((g) => g.lag !== undefined),
    },
  ];
}

/** The checks of every level for one SLA; `coverage` is undefined while the runbooks load (or fail). */
export function maturityChecks(status: SlaStatus, coverage?: RunbookCoverage): MaturityCheck[] {
  const checks: MaturityCheck[] = [];
  for (const dimension of ['latency', 'availability'] as const) {
    const objectives = status.objectives.filter((o) => o.dimension === dimension);
    const measured = objectives.filter((o) => o.sli !== undefined || o.evaluatedBy === 'prometheus');
    checks.push(
      check(
        1,
        `${dimension} measured`,
        objectives.length === 0 ? 'fail' : measured.length > 0 ? 'pass' : 'fail',
        objectives.length === 0
          ? `no ${dimension} objective in the SLA`
          : measured.length > 0
            ? `${measured.length} objective${measured.length > 1 ? 's' : ''} with data`
            : 'objective defined, no requests received in the window',
      ),
    );
  }
  const families = aiFamilies(status);
  const configured = families.filter((f) => f.configured);
  checks.push(
    check(
      2,
      'AI-specific alerts compiled',
      configured.length > 0 ? 'pass' : 'fail',
      configured.length > 0
        ? `rules for ${configured.map((f) => f.name).join(', ')}`
        : 'no freshness, recall, null-rate, drift or stream-lag rules',
    ),
  );
  const silent = configured.filter((f) => !f.flowing);
  checks.push(
    check(
      2,
      'AI-specific signals arriving',
      configured.length === 0 ? 'fail' : silent.length === 0 ? 'pass' : 'fail',
      configured.length === 0
        ? 'nothing to receive'
        : silent.length === 0
          ? 'every configured signal reports'
          : `no data for ${silent.map((f) => f.name).join(', ')}`,
    ),
  );
  if (coverage === undefined) {
    checks.push(check(3, 'runbooks for its alerts', 'unknown', 'the runbooks are not loaded'));
    checks.push(check(4, 'remediation automated', 'unknown', 'the runbooks are not loaded'));
  } else {
    const missing = coverage.alertnames.filter((a) => !coverage.withRunbook.includes(a));
    checks.push(
      check(
        3,
        'runbooks for its alerts',
        coverage.alertnames.length === 0 ? 'unknown' : missing.length === 0 ? 'pass' : 'fail',
        coverage.alertnames.length === 0
          ? 'no alert of this SLA seen yet to check'
          : missing.length === 0
            ? `${coverage.alertnames.length} alert${coverage.alertnames.length === 1 ? '' : 's'} covered: ${coverage.alertnames.join(', ')}`
            : `no runbook for ${missing.join(', ')}`,
      ),
    );
    const held = coverage.heldActions ?? [];
    checks.push(
      check(
        4,
        'remediation automated',
        coverage.automatedActions.length > 0 ? 'pass' : 'fail',
        coverage.automatedActions.length > 0
          ? `automatic: ${coverage.automatedActions.join(', ')}`
          : held.length > 0
            ? `automatic remediation is off (remediation.auto: false): ${held.join(', ')} wait for a person`
            : 'every action needs a person',
      ),
    );
  }
  return checks;
}

/** The maturity level an SLA has reached, with the checks behind it. */
export function maturityOf(status: SlaStatus, coverage?: RunbookCoverage): Maturity {
  const checks = maturityChecks(status, coverage);
  let level: Maturity['level'] = 0;
  for (const candidate of [1, 2, 3, 4] as const) {
    if (checks.filter((c) => c.level === candidate).every((c) => c.state === 'pass')) level = candidate;
    else break;
  }
  const next = checks.find((c) => c.level === level + 1 && c.state !== 'pass');
  const { name, meaning } = LEVELS[level];
  return { level, name, meaning, checks, ...(next === undefined ? {} : { next }) };
}
