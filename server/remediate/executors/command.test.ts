// The command executor with real processes: arguments reach the program verbatim (no shell), the
// environment holds only what slactl passes, a timeout ends the whole process group, output is capped.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executeCommand, type CommandCall } from './command.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'slactl-cmd-'));
  dirs.push(d);
  return d;
}

const node = (script: string, args: string[] = [], extra: Partial<CommandCall> = {}): CommandCall => ({
  argv: [process.execPath, '-e', script, '--', ...args],
  env: { PATH: process.env.PATH ?? '' },
  timeoutMs: 10_000,
  secrets: [],
  ...extra,
});

describe('executeCommand', () => {
  it('passes hostile arguments verbatim, with no shell to interpret them', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'pwned');
    const hostile = [
      `$(touch ${marker})`,
      `; touch ${marker}`,
      `\`touch ${marker}\``,
      `| touch ${marker}`,
      '*',
      '~',
      '\r\nx',
    ];
    const result = await executeCommand(
      node('process.stdout.write(JSON.stringify(process.argv.slice(1)))', hostile),
    );
    expect(result).toMatchObject({ outcome: 'ok', exitCode: 0 });
    expect(JSON.parse(result.output!)).toEqual(hostile);
    expect(existsSync(marker)).toBe(false);
  });

  it('gives the program only the environment it is handed', async () => {
    process.env.SLACTL_TEST_LEAK = 'leaked-secret';
    try {
      const result = await executeCommand(
        node('process.stdout.write(JSON.stringify(process.env))', [], {
          env: { PATH: '/usr/bin', SLACTL_RUN_ID: 'r1' },
        }),
      );
      expect(JSON.parse(result.output!)).toEqual({ PATH: '/usr/bin', SLACTL_RUN_ID: 'r1' });
    } finally {
      delete process.env.SLACTL_TEST_LEAK;
    }
  });

  it('classifies exits: 0 done, 75 retryable, others final; a missing program is final', async () => {
    expect(await executeCommand(node('process.exit(75)'))).toMatchObject({
      outcome: 'retryable',
      reason: 'exit_75',
      exitCode: 75,
    });
    expect(await executeCommand(node('process.exit(2)'))).toMatchObject({
      outcome: 'fatal',
      reason: 'exit_2',
      exitCode: 2,
    });
    expect(await executeCommand({ ...node(''), argv: ['/nonexistent/indexctl'] })).toMatchObject({
      outcome: 'fatal',
      reason: 'spawn_failed',
      error: 'cannot run /nonexistent/indexctl: ENOENT',
    });
  });

  it('kills the whole process group on timeout', async () => {
    const dir = tempDir();
    const started = path.join(dir, 'started');
    const late = path.join(dir, 'late');
    // The program starts a grandchild that says it runs, would write a file 2 s later, and hangs.
    const grandchild =
      `const fs = require('node:fs'); fs.writeFileSync(${JSON.stringify(started)}, 'x');` +
      `setTimeout(() => fs.writeFileSync(${JSON.stringify(late)}, 'x'), 2000)`;
    const script = `
      const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });
      setInterval(() => {}, 1000);`;
    const result = await executeCommand(node(script, [], { timeoutMs: 1_000, killGraceMs: 200 }));
    expect(result).toMatchObject({ outcome: 'retryable', reason: 'timeout' });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(existsSync(started)).toBe(true);
    expect(existsSync(late)).toBe(false);
  });

  it('keeps the end of long output and masks secrets in it', async () => {
    const result = await executeCommand(
      node("process.stdout.write('x'.repeat(100000)); process.stderr.write('token=abc-secret-1 done')", [], {
        maxOutputBytes: 1_000,
        secrets: ['abc-secret-1'],
      }),
    );
    expect(result.output!.startsWith('[… ')).toBe(true);
    expect(result.output!.endsWith('token=[redacted] done')).toBe(true);
    expect(result.output!.length).toBeLessThan(1_100);
  });
});
