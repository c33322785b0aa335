// Reads files as they were at a git ref. git runs without a shell; the ref is passed as one argument.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SlaSource } from '../sla/load.js';

const run = promisify(execFile);

export class GitError extends Error {
  override name = 'GitError';
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new GitError(stderr || (error as Error).message);
  }
}

/** The SLA files under `paths` at `ref`, with their text; names are relative to `cwd` as in the work tree. */
export async function slaSourcesAt(cwd: string, ref: string, paths: readonly string[]): Promise<SlaSource[]> {
  if (ref.startsWith('-')) throw new GitError(`invalid ref "${ref}"`);
  await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => {
    throw new GitError(`unknown git ref "${ref}"`);
  });
  const listed = await git(cwd, ['ls-tree', '-r', '--name-only', '-z', ref, '--', ...paths]);
  const explicit = new Set(paths.map((p) => path.normalize(p)));
  const files = listed
    .split('\0')
    .filter((name) => name !== '')
    .filter((name) => explicit.has(path.normalize(name)) || /\.ya?ml$/.test(name))
    .filter((name) => !name.split('/').some((part) => part.startsWith('.')))
    .sort();
  return Promise.all(
    files.map(async (file) => ({ file, text: await git(cwd, ['show', `${ref}:./${file}`]) })),
  );
}
