// Cross-check of the rule replay against Prometheus' own rule engine: `promtool test rules` loads the same
// scrapes as input series (a series that vanishes is marked stale, as a scrape would mark it), evaluates
// the committed rule file every 15 s with its recording groups first, and asserts at every evaluation
// that the firing alerts are exactly those the replay (query_range + `for`) says fire. Annotations are
// left out of the rule file's copy: they do not decide when an alert fires.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Document, parse } from 'yaml';
import { inputSeries, parseExposition } from '../server/evaluate/test-support/scrape.js';
import { formatDuration } from '../server/lib/units.js';
import { PROMTOOL_BIN } from '../server/test-support/prometheus.js';
import type { Scrape } from './openmetrics.js';
import type { AlertEpisode } from './rule-replay.js';

const execFileAsync = promisify(execFile);

export interface CrossCheck {
  /** Evaluation times checked, and alert names checked at each. */
  evaluations: number;
  alertnames: number;
  /** Firing alerts asserted, summed over the evaluations. */
  firingAsserted: number;
  agreed: boolean;
  /** promtool's output when it disagreed (its first 4,000 characters). */
  output: string;
  wallMs: number;
}

/**
 * Runs `promtool test rules` on `ruleFile` with `scrapes` (one per `stepMs`, the first at time 0) as
 * input, asserting at every evaluation from `fromMs` on that the alerts firing are those of `episodes`.
 */
export async function crossCheckWithPromtool(
  ruleFile: string,
  scrapes: readonly Scrape[],
  episodes: readonly AlertEpisode[],
  options: { fromMs: number; stepMs: number },
): Promise<CrossCheck> {
  const started = performance.now();
  const first = scrapes[0]?.atMs;
  if (first === undefined) throw new Error('crossCheckWithPromtool: no scrapes');
  scrapes.forEach((s, i) => {
    if (s.atMs !== first + i * options.stepMs)
      throw new Error(
        `scrape ${i} is at ${s.atMs}, not ${first + i * options.stepMs}: scrapes must be evenly spaced`,
      );
  });
  const doc = parse(readFileSync(ruleFile, 'utf8')) as {
    groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>;
  };
  for (const group of doc.groups) for (const rule of group.rules) delete rule.annotations;
  const alertnames = [
    ...new Set(
      doc.groups
        .flatMap((g) => g.rules.map((r) => r.alert))
        .filter((a): a is string => typeof a === 'string'),
    ),
  ];
  const times: number[] = [];
  for (let at = Math.max(first, options.fromMs); at <= scrapes.at(-1)!.atMs; at += options.stepMs)
    times.push(at);
  let firingAsserted = 0;
  const tests = {
    rule_files: ['rules.yaml'],
    evaluation_interval: formatDuration(options.stepMs),
    group_eval_order: doc.groups.map((g) => g.name),
    tests: [
      {
        interval: formatDuration(options.stepMs),
        input_series: inputSeries(scrapes.map((s) => parseExposition(s.text))),
        alert_rule_test: times.flatMap((at) =>
          alertnames.map((alertname) => {
            const firing = episodes.filter(
              (e) =>
                e.alertname === alertname &&
                e.firedAt !== undefined &&
                e.firedAt <= at &&
                (e.endedAt === undefined || at < e.endedAt),
            );
            firingAsserted += firing.length;
            return {
              eval_time: formatDuration(at - first),
              alertname,
              exp_alerts: firing.map((e) => ({
                exp_labels: Object.fromEntries(Object.entries(e.labels).filter(([k]) => k !== 'alertname')),
              })),
            };
          }),
        ),
      },
    ],
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-promtool-check-'));
  try {
    writeFileSync(path.join(dir, 'rules.yaml'), new Document(doc).toString({ lineWidth: 0 }));
    writeFileSync(path.join(dir, 'test.yaml'), new Document(tests).toString({ lineWidth: 0 }));
    let agreed = true;
    let output = '';
    try {
      await execFileAsync(PROMTOOL_BIN, ['test', 'rules', 'test.yaml'], {
        cwd: dir,
        maxBuffer: 256 << 20,
        timeout: 600_000,
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error(`${PROMTOOL_BIN} is missing: apt-get install prometheus`);
      agreed = false;
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(0, 4_000);
    }
    return {
      evaluations: times.length,
      alertnames: alertnames.length,
      firingAsserted,
      agreed,
      output,
      wallMs: performance.now() - started,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
