// Where CLI commands write; tests pass their own to capture output.

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
};

/** A usage mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
