// Child process for the durability test: applies one batch, says so, and waits to be killed.
import { openStore } from '../store.js';
import { T0, update } from './scenario.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: apply-and-hang.ts <database file>');
const store = openStore({ path: file });
store.apply(Array.from({ length: 1_000 }, (_, i) => update(0, T0 + 1 + i, 1)));
process.stdout.write('applied\n');
// Never closes: the parent kills this process with SIGKILL.
setInterval(() => undefined, 60_000);
