// Child process of the crash test: a control plane's remediation half over a database file, on the
// wall clock. `start` delivers one alert and runs the engine until the parent kills it with SIGKILL;
// `resume` reopens the database, resumes, (for `mid-verify`) delivers the resolved alert, and exits
// once the run is finished. Transitions are printed as JSON lines for the parent to follow.
import { systemClock } from '../../lib/clock.js';
import { RunRows } from '../../store/runs-rows.js';
import { openStore } from '../../store/store.js';
import { AlertReceiver } from '../receiver.js';
import { RunEngine } from '../run-engine.js';
import { Targets } from '../targets.js';
import {
  compactAction,
  noVerify,
  recallLabels,
  RecordingAudit,
  runbookOf,
  SECRET,
  targetConfig,
} from './fixtures.js';

const [file, targetUrl, mode, scenario, startsAtText] = process.argv.slice(2);
if (file === undefined || targetUrl === undefined || startsAtText === undefined) {
  throw new Error(
    'usage: crash-child.ts <db> <target url> start|resume|idle mid-action|mid-verify <startsAt ms>',
  );
}
const startsAt = Number(startsAtText);
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const store = openStore({ path: file });
const rows = new RunRows(store);
const audit = new RecordingAudit();
const action = compactAction({ timeoutMs: 30_000, retries: { max: 2, backoffMs: 10, maxBackoffMs: 10 } });
const engine = new RunEngine(
  {
    rows,
    runbooks: [runbookOf([scenario === 'mid-verify' ? action : noVerify(action)])],
    targets: new Targets(targetConfig(targetUrl), { env: { SEARCH_ADMIN_TOKEN: SECRET } }),
    audit,
    clock: systemClock,
    publish: (e) => {
      print({ run: e.data.id, from: e.data.transition.from, to: e.data.transition.to });
      if (mode === 'resume' && ['succeeded', 'failed', 'escalated', 'cancelled'].includes(e.data.state)) {
        setImmediate(() => {
          print({ final: engine.get(e.data.id) });
          void engine.stop().then(() => {
            store.close();
            process.exit(0);
          });
        });
      }
    },
  },
  { pollIntervalMs: 20, verifyIntervalMs: 20 },
);
const receiver = new AlertReceiver({ rows, engine, audit, clock: systemClock });

if (mode === 'start') {
  engine.start();
  const summary = receiver.receive(
    [{ status: 'firing', labels: recallLabels(), annotations: {}, startsAt }],
    'alertmanager',
  );
  print({ created: summary.runs });
} else if (mode === 'idle') {
  // A restart with nothing left to do: it must not call the target again.
  engine.start();
  setTimeout(() => {
    void engine.stop().then(() => {
      print({ final: engine.list({}).runs.map((r) => engine.get(r.id)) });
      store.close();
      process.exit(0);
    });
  }, 500);
} else {
  engine.start();
  print({ resumed: true });
  if (scenario === 'mid-verify') {
    receiver.receive(
      [{ status: 'resolved', labels: recallLabels(), annotations: {}, startsAt, endsAt: Date.now() }],
      'alertmanager',
    );
  }
}
// Keeps the process alive until it is killed or the run finishes.
setInterval(() => undefined, 60_000);
