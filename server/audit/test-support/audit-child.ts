// Child process for the concurrency tests: several of these start together and race to create the
// key, or to append to one database. Usage:
//   audit-child.ts key <dataDir> <startAtMs>
//   audit-child.ts append <dbFile> <dataDir> <count> <startAtMs> <tag>
import { systemClock } from '../../lib/clock.js';
import { openStore } from '../../store/store.js';
import { loadOrCreateAuditKey } from '../key.js';
import { openAuditLog } from '../log.js';

function waitUntil(ms: number): void {
  // Busy-wait, so that every child leaves the starting line within a millisecond or so.
  while (Date.now() < ms) {
    /* spin */
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'key') {
  const [dataDir, startAt] = args;
  if (dataDir === undefined || startAt === undefined) throw new Error('usage: key <dataDir> <startAtMs>');
  waitUntil(Number(startAt));
  const key = loadOrCreateAuditKey(dataDir);
  process.stdout.write(`${key.fingerprint} ${key.created ? 'created' : 'loaded'}\n`);
} else if (mode === 'append') {
  const [file, dataDir, count, startAt, tag] = args;
  if (file === undefined || dataDir === undefined || count === undefined || startAt === undefined) {
    throw new Error('usage: append <dbFile> <dataDir> <count> <startAtMs> <tag>');
  }
  const store = openStore({ path: file });
  const log = openAuditLog({ store, dataDir, clock: systemClock });
  waitUntil(Number(startAt));
  for (let i = 0; i < Number(count); i++) {
    log.append({ kind: 'run_transition', actor: 'system', subject: `run-${tag}`, data: { writer: tag, i } });
  }
  store.close();
  process.stdout.write('done\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
