// Runbooks as code: the shape of a loaded runbook (runbooks/<id>.md, YAML front matter + Markdown).
// The loader (runbook.ts) turns front matter into these types with positioned errors; the run engine
// (runs.ts, executors) consumes them. Durations are milliseconds here, written `5m`, `30s` in files.

/**
 * A value taken from the alert that triggered a run. Alert labels are untrusted: a value fills a slot
 * only when it matches `pattern` (anchored, whole value), and is URL-encoded in paths and queries.
 */
export interface TemplateParam {
  /** The alert label whose value fills the slot (`index`, `consumer_group`, `service`). */
  label: string;
  /** A JavaScript regular expression the whole value must match, e.g. `^[a-z0-9][a-z0-9_-]{0,62}$`. */
  pattern: string;
}

/** An HTTP call to a target named in configuration (never a URL from alert content). */
export interface HttpActionSpec {
  kind: 'http';
  /** Name of a configured target: the base URL comes from slactl.yaml `remediation.targets`. */
  target: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the target's base URL; `{name}` slots are declared params, URL-encoded when filled. */
  path: string;
  /** JSON body; a string value that is exactly `{name}` is replaced by the param's value. */
  body?: Record<string, unknown>;
}

/** A program run without a shell; an argument that is exactly `{name}` is replaced by the param. */
export interface CommandActionSpec {
  kind: 'command';
  argv: string[];
}

/** What must recover after the action, within a deadline, else the run escalates. */
export interface VerifySpec {
  /** The alert that must no longer be firing for the triggering alert's labels (e.g. VectorRecallBelowTarget). */
  alert: string;
  /** Deadline after the action succeeded (ms). */
  withinMs: number;
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  max: number;
  /** Delay before the first retry (ms); doubled each time up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export interface RunbookAction {
  id: string;
  title: string;
  /** What the action does, shown before Run and in dry-run output. */
  description?: string;
  spec: HttpActionSpec | CommandActionSpec;
  params: Record<string, TemplateParam>;
  /** true: runs when a trigger fires, without approval. false: a person starts or approves it. */
  auto: boolean;
  /** `required`: a run waits in `awaiting_approval` until someone with scope `operate` approves it. */
  approval: 'required' | 'none';
  /** No new run of this action for the same alert labels within this time after the last (ms). */
  cooldownMs: number;
  /** At most `count` runs of this action per `windowMs`, across all alerts. */
  maxRuns: { count: number; windowMs: number };
  /** Per attempt (ms). */
  timeoutMs: number;
  retries: RetryPolicy;
  verify?: VerifySpec;
  /**
   * The runbook's trigger alerts this action answers (`alerts:` in the file); absent = all of them. An
   * action whose params need a label only some triggers carry (`index`) names the ones that do.
   */
  alerts?: string[];
}

/** One trigger as written: an alert name, and labels (exact values) the alert must carry. */
export interface TriggerMatcher {
  alert: string;
  /** Empty: any alert of that name. `{component: vector_search}`: only that component's alerts. */
  labels: Record<string, string>;
}

/** The four sections every runbook has, as Markdown text. */
export interface RunbookSections {
  meaning: string;
  impact: string;
  diagnosis: string;
  mitigation: string;
}

export interface Runbook {
  /** Equal to the file name without `.md`, and to the ids in compile/failure-modes.ts. */
  id: string;
  title: string;
  /** Alert names whose firing starts this runbook's `auto` actions (and offers the others). */
  triggers: string[];
  /**
   * The triggers with their label matchers, one per entry in the file. `LatencyComponentOverBudget` is
   * one alert for every component; `{alert: LatencyComponentOverBudget, labels: {component: vector_search}}`
   * keeps the other components' alerts out of this runbook. Absent = `triggers` with no labels.
   */
  triggerMatchers?: TriggerMatcher[];
  actions: RunbookAction[];
  /** The Markdown after the front matter. */
  markdown: string;
  sections: RunbookSections;
  /** Path relative to the project root, for messages (`runbooks/stream-lag.md`). */
  file: string;
}
