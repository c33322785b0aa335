// A small disk of its own for the data dir: a tmpfs mounted for the scenario (the tests run as root,
// here and on CI), filled with a filler file until the kernel says ENOSPC, and freed again.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';

/** Mounts a tmpfs of `sizeBytes` at `dir` (created when missing); throws saying why it cannot. */
export function mountTmpfs(dir: string, sizeBytes: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // execFile, never a shell: the arguments are ours, but nothing goes through sh.
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `the disk-full scenario needs its own small filesystem, but mounting a tmpfs at ${dir} failed` +
        `${stderr ? `: ${stderr}` : ''} (it needs root, or CAP_SYS_ADMIN in a container)`,
    );
  }
}

/** Unmounts `dir` (lazily when something still holds it open) and removes the mount point. */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      // Not mounted (the mount failed): nothing to undo.
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Free bytes on the filesystem of `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * Writes `file` until the filesystem is full (ENOSPC), in big chunks and then small ones, so not even a
 * page is left. Returns the bytes written.
 */
export function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          const n = writeSync(fd, chunk);
          written += n;
          if (n < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
