// Writes a promtool test file (alerts/<sla>.rules.test.yaml) straight to text. Its shape is fixed, so every
// line is written with its indentation known, while every key and scalar still goes through yaml-out's
// quoting: the text is exactly what `toYaml` writes for the same data (a test holds it to that). An SLA's
// tests run to ~60 KB, most of it expected alerts that come back at every later eval time: each is rendered
// once (renderExpectedAlert) and its text reused, instead of walking the same objects again.
import { renderValue } from './go-format.js';
import type { TemplatePart } from './emit-rules.js';
import { yamlKey, yamlScalar } from './yaml-out.js';

/** One entry of `exp_alerts`, rendered once; the same alert may be expected at several eval times. */
export interface ExpectedAlert {
  /** Its YAML lines at the indentation of `exp_alerts` entries, joined by newlines. */
  readonly yaml: string;
}

export interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: readonly ExpectedAlert[];
}

export interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: ReadonlyArray<{ labels: string; value: number }>;
}

/** One entry of `tests`, in promtool's field names. */
export interface TestGroup {
  name: string;
  interval: string;
  input_series: ReadonlyArray<{ series: string; values: string }>;
  alert_rule_test?: readonly AlertTest[];
  /** Groups may share one list (the idle tests do): it is rendered once. */
  promql_expr_test?: readonly ExprTest[];
}

/** The text Prometheus renders for an annotation of template parts (see goTemplate in emit-rules). */
export function renderParts(
  parts: readonly TemplatePart[],
  value: number,
  ruleLabels: Readonly<Record<string, string>>,
  seriesLabels: Readonly<Record<string, string>>,
): string {
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else if ('value' in part) out += renderValue(part.value, value);
    else out += ruleLabels[part.label] ?? seriesLabels[part.label] ?? '';
  }
  return out;
}

/** A rule's annotations as Prometheus renders them for an alert of the given value and series labels. */
export function renderAnnotations(
  annotations: Readonly<Record<string, readonly TemplatePart[]>>,
  value: number,
  ruleLabels: Readonly<Record<string, string>>,
  seriesLabels: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in annotations) out[k] = renderParts(annotations[k]!, value, ruleLabels, seriesLabels);
  return out;
}

const ALERT_FIRST = '          - ';
const ALERT_KEY = '            ';
const ALERT_ENTRY = '              ';

/**
 * Renders one expected alert with its exact labels and annotations. Its labels are the series' labels
 * with the rule's over them, as Prometheus gives them (and as `{ ...series, ...rule }` orders them).
 */
export function renderExpectedAlert(
  seriesLabels: Readonly<Record<string, string>>,
  ruleLabels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
): ExpectedAlert {
  const out: string[] = [];
  let empty = true;
  for (const k in seriesLabels) {
    if (empty) out.push(`${ALERT_FIRST}exp_labels:`);
    empty = false;
    out.push(`${ALERT_ENTRY}${yamlKey(k)}: ${yamlScalar(ruleLabels[k] ?? seriesLabels[k]!)}`);
  }
  for (const k in ruleLabels) {
    if (k in seriesLabels) continue;
    if (empty) out.push(`${ALERT_FIRST}exp_labels:`);
    empty = false;
    out.push(`${ALERT_ENTRY}${yamlKey(k)}: ${yamlScalar(ruleLabels[k]!)}`);
  }
  if (empty) out.push(`${ALERT_FIRST}exp_labels: {}`);
  empty = true;
  for (const k in annotations) {
    if (empty) out.push(`${ALERT_KEY}exp_annotations:`);
    empty = false;
    out.push(`${ALERT_ENTRY}${yamlKey(k)}: ${yamlScalar(annotations[k]!)}`);
  }
  if (empty) out.push(`${ALERT_KEY}exp_annotations: {}`);
  return { yaml: out.join('\n') };
}

const INTERVAL_KEY = '    interval: ';

function writeAlertTests(out: string[], tests: readonly AlertTest[]): void {
  if (tests.length === 0) {
    out.push('    alert_rule_test: []');
    return;
  }
  out.push('    alert_rule_test:');
  for (const t of tests) {
    out.push(
      `      - eval_time: ${yamlScalar(t.eval_time)}`,
      `        alertname: ${yamlScalar(t.alertname)}`,
    );
    if (t.exp_alerts.length === 0) {
      out.push('        exp_alerts: []');
      continue;
    }
    out.push('        exp_alerts:');
    for (const alert of t.exp_alerts) out.push(alert.yaml);
  }
}

function exprTestLines(tests: readonly ExprTest[]): string {
  if (tests.length === 0) return '    promql_expr_test: []';
  const out = ['    promql_expr_test:'];
  for (const t of tests) {
    out.push(`      - expr: ${yamlScalar(t.expr)}`, `        eval_time: ${yamlScalar(t.eval_time)}`);
    if (t.exp_samples.length === 0) {
      out.push('        exp_samples: []');
      continue;
    }
    out.push('        exp_samples:');
    for (const s of t.exp_samples) {
      out.push(`          - labels: ${yamlScalar(s.labels)}`, `            value: ${yamlScalar(s.value)}`);
    }
  }
  return out.join('\n');
}

/**
 * Renders a promtool test file: the header comment, then `rule_files`, `evaluation_interval` and `tests`,
 * in the layout `toYaml` gives the same value.
 */
export function renderTestFile(
  header: string,
  ruleFiles: readonly string[],
  evaluationInterval: string,
  groups: readonly TestGroup[],
): string {
  const out: string[] = [];
  if (ruleFiles.length === 0) out.push('rule_files: []');
  else {
    out.push('rule_files:');
    for (const file of ruleFiles) out.push(`  - ${yamlScalar(file)}`);
  }
  out.push(`evaluation_interval: ${yamlScalar(evaluationInterval)}`);
  if (groups.length === 0) out.push('tests: []');
  else out.push('tests:');
  const exprTests = new Map<readonly ExprTest[], string>();
  for (const g of groups) {
    out.push(`  - name: ${yamlScalar(g.name)}`, `${INTERVAL_KEY}${yamlScalar(g.interval)}`);
    if (g.input_series.length === 0) out.push('    input_series: []');
    else {
      out.push('    input_series:');
      for (const s of g.input_series) {
        out.push(`      - series: ${yamlScalar(s.series)}`, `        values: ${yamlScalar(s.values)}`);
      }
    }
    if (g.alert_rule_test !== undefined) writeAlertTests(out, g.alert_rule_test);
    if (g.promql_expr_test !== undefined) {
      let text = exprTests.get(g.promql_expr_test);
      if (text === undefined) exprTests.set(g.promql_expr_test, (text = exprTestLines(g.promql_expr_test)));
      out.push(text);
    }
  }
  return `${header}${out.join('\n')}\n`;
}
