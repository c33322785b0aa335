// Differential test: the embedded evaluator and Prometheus (promtool, on the compiled rule file) must
// fire the same alerts, with the same labels and annotations, at every evaluation.
//
// Each scenario's signals go through the collector into an in-memory store; the evaluator runs every
// minute; and every minute /metrics is rendered and kept as Prometheus would have scraped it. The
// scrapes become promtool's input series, the evaluator's firing alerts its expected alerts, checked at
// every minute. Scrapes line up with the evaluations, so rate() needs no extrapolation and computes the
// same ratios as the evaluator's exact increases; burn-rate incidents start after an hour of traffic,
// so that no window reaches back to the first scrape of a series, where Prometheus extrapolates.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Document } from 'yaml';
import { renderSignalMetrics } from '../collector/exposition.js';
import { alertRules, emitRules, ruleGroupNames } from '../compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import { formatDuration } from '../lib/units.js';
import { harness, MINUTE, T0 } from './test-support/harness.js';
import { FULL_SLA, planFromYaml } from './test-support/plans.js';
import { SCENARIOS, type Scenario } from './test-support/scenarios.js';
import { inputSeries, parseExposition, type ScrapedSample } from './test-support/scrape.js';
import type { AlertInstance, Transition } from './types.js';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const TIMEOUT_MS = 180_000;
const execFileAsync = promisify(execFile);

const plan = planFromYaml(FULL_SLA);
const alertnames = [...new Set(alertRules(plan, DEFAULT_SETTINGS).map((r) => r.alert))];

interface Run {
  scrapes: ScrapedSample[][];
  /** Firing alerts per minute. */
  firing: AlertInstance[][];
  transitions: Transition[];
}

function runScenario(scenario: Scenario): Run {
  const h = harness([plan]);
  try {
    const scrapes: ScrapedSample[][] = [];
    const firing: AlertInstance[][] = [];
    const transitions: Transition[] = [];
    for (let m = 0; m <= scenario.minutes; m++) {
      const at = T0 + m * MINUTE;
      h.send(
        scenario.signals(m, (seconds) => at - seconds * 1000),
        at,
      );
      const evaluation = h.evaluate(at);
      if (evaluation.errors.length > 0)
        throw new Error(`evaluation failed at minute ${m}: ${JSON.stringify(evaluation.errors)}`);
      transitions.push(...evaluation.transitions);
      firing.push(evaluation.alerts.filter((a) => a.state === 'firing'));
      scrapes.push(parseExposition(renderSignalMetrics(h.store, h.reader, at)));
    }
    return { scrapes, firing, transitions };
  } finally {
    h.close();
  }
}

function timeline(run: Run): string {
  return run.transitions
    .map((t) => {
      const subject = Object.entries(t.labels)
        .filter(([k]) => ['burn_tier', 'slo', 'feature', 'component', 'index', 'consumer_group'].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `  ${formatDuration(t.at - T0)}  ${t.from}→${t.to}  ${t.alertname} ${subject} value=${t.value}`;
    })
    .join('\n');
}

function promtoolTests(scenario: Scenario, run: Run, minutes: number[]): object {
  return {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    // Without an order promtool evaluates the groups in Go map order, so an alert would sometimes read
    // the recording rules of the previous minute. The evaluator reads them at the same instant.
    group_eval_order: Object.values(ruleGroupNames(plan)),
    tests: [
      {
        name: scenario.name,
        interval: '1m',
        input_series: inputSeries(run.scrapes),
        alert_rule_test: minutes.flatMap((m) =>
          alertnames.map((alertname) => ({
            eval_time: formatDuration(m * MINUTE),
            alertname,
            exp_alerts: run.firing[m]!.filter((a) => a.alertname === alertname).map((a) => ({
              exp_labels: Object.fromEntries(Object.entries(a.labels).filter(([k]) => k !== 'alertname')),
              exp_annotations: a.annotations,
            })),
          })),
        ),
      },
    ],
  };
}

async function promtool(dir: string, file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(PROMTOOL, ['test', 'rules', file], {
      cwd: dir,
      maxBuffer: 64 << 20,
      timeout: TIMEOUT_MS,
    });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${PROMTOOL} is not installed (or not on PATH): the differential test needs it. ` +
          'Install promtool ≥ 2.42 (Debian: apt-get install prometheus) or set PROMTOOL to its path.',
      );
    }
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let dir = '';
/** A failing scenario keeps promtool's input for a look. */
let keep = false;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slactl-differential-'));
  writeFileSync(join(dir, 'rules.yaml'), emitRules(plan, DEFAULT_SETTINGS));
});
afterAll(() => {
  if (dir !== '' && !keep) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('evaluator and Prometheus agree', () => {
  for (const [i, scenario] of SCENARIOS.entries()) {
    it(
      scenario.name,
      async () => {
        const run = runScenario(scenario);
        const minutes = Array.from({ length: scenario.minutes }, (_, m) => m + 1);
        // The scenario must do what it is for: its alerts fire, and no others.
        const fired = new Set(run.firing.flatMap((alerts) => alerts.map((a) => a.alertname)));
        expect(
          [...fired].sort(),
          `alerts the evaluator fired in "${scenario.name}":\n${timeline(run)}`,
        ).toEqual([...scenario.fires].sort());

        const file = `scenario-${i}.test.yaml`;
        writeFileSync(
          join(dir, file),
          new Document(promtoolTests(scenario, run, minutes)).toString({ lineWidth: 0 }),
        );
        const result = await promtool(dir, file);
        if (!result.ok) {
          keep = true;
          throw new Error(
            `Prometheus and the evaluator disagree in "${scenario.name}" ` +
              `(exp = the evaluator's firing alerts, got = Prometheus'):\n${result.output}\n` +
              `evaluator timeline:\n${timeline(run)}\n` +
              `(promtool input kept in ${join(dir, file)})`,
          );
        }
        expect(result.output).toContain('SUCCESS');
      },
      TIMEOUT_MS,
    );
  }
});
