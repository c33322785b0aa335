// Benchmark of the demo remediation loop (npm run bench:remediation), recorded in docs/benchmarks.md.
// For each demo fault kind, on the first example SLA it applies to, through the real server in process
// (the same composition as `npm start`; a manual clock steps 15 s at a time, the evaluator's interval):
//   - detection: fault injected → its first expected alert firing (simulated time);
//   - alert → action start: simulated time, and the wall time of the step in which the evaluator's
//     transition went through the receiver, the run engine and the action's HTTP call;
//   - MTTR: fault injected → the remediation run verified (succeeded) and the fault's alerts resolved.
// Runbooks whose demo action is not automatic are started by hand a minute after the alert fires,
// and runs that need approval are approved the moment they wait (a person's reaction time is not the
// product's); those are marked. The loop itself is in remediation-loop.ts (shared with the Prometheus
// path benchmark).
import { FAULT_KINDS } from '../server/demo/faults.js';
import { measureEmbedded, minutes, runbookCell, TICK_MS } from './remediation-loop.js';

const out = (text: string): void => void process.stdout.write(`${text}\n`);

out(`# slactl remediation loop benchmark — ${new Date().toISOString()}`);
out(
  `method: in-process server with the demo, manual clock stepping ${TICK_MS / 1000} s (the evaluation interval)\n`,
);
out(
  '| fault | SLA | detection | alert → action start (simulated / wall) | runbook action | MTTR (inject → verified, resolved) |',
);
out('| --- | --- | ---: | ---: | --- | ---: |');
for (const kind of FAULT_KINDS) {
  const o = await measureEmbedded(kind);
  out(
    `| ${o.kind} | ${o.sla} | ${minutes(o.detectionMs)} | ${minutes(o.alertToActionMs)} / ${o.alertToActionWallMs === undefined ? '—' : `${o.alertToActionWallMs.toFixed(0)} ms`} | ${runbookCell(o)} | ${minutes(o.mttrMs)} |`,
  );
}
