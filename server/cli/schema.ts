// `slactl schema [--out slas/schema.json] [--check]`
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { slaJsonSchema } from '../sla/schema.js';
import type { Io } from './io.js';

export interface SchemaOptions {
  out?: string;
  check: boolean;
}

/** The JSON Schema text for editors. */
export function schemaText(): string {
  return `${JSON.stringify(slaJsonSchema(), null, 2)}\n`;
}

/** Prints or writes the JSON Schema of the SLA spec; --check fails when the file is stale. */
export async function schemaCommand(io: Io, options: SchemaOptions): Promise<number> {
  const text = schemaText();
  if (options.out === undefined) {
    io.out(text);
    return 0;
  }
  const file = path.resolve(io.cwd, options.out);
  if (options.check) {
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current !== text) {
      io.err(
        `${options.out} is ${current === undefined ? 'missing' : 'stale'}: run \`slactl schema --out ${options.out}\`\n`,
      );
      return 1;
    }
    io.out(`${options.out} is up to date\n`);
    return 0;
  }
  await writeFile(file, text);
  io.out(`wrote ${options.out}\n`);
  return 0;
}
