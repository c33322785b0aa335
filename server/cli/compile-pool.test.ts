// Compiling on several threads gives what one pass gives: the same diagnostics in the same order, the
// same files byte for byte, the same warnings. Worker tests start real worker threads.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type CompileSettings } from '../compile/ir.js';
import { compileOutputs } from '../compile/outputs.js';
import { buildPlan } from '../compile/plan.js';
import { checkSlaSources, type SlaSource } from '../sla/load.js';
import { compileChunk } from './compile-chunk.js';
import { CompilePool, compileSources, mergeChunks, parseJobs } from './compile-pool.js';
import { compileCommand } from './compile.js';
import { UsageError } from './io.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES: SlaSource[] = readdirSync(path.join(ROOT, 'slas'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ file: `slas/${f}`, text: readFileSync(path.join(ROOT, 'slas', f), 'utf8') }));

/** A valid SLA; `custom` ones read the team's metrics, whose test scenarios take other paths. */
function valid(name: string, custom = false): string {
  const sli = custom
    ? `    sli:\n      errors: sum(rate(http_requests_total{job="${name}",code=~"5.."}[{{window}}]))\n      total: sum(rate(http_requests_total{job="${name}"}[{{window}}]))\n`
    : '';
  return `apiVersion: slactl/v1
kind: SLA
metadata: { name: ${name}, service: svc-${name}, tier: streaming }
spec:
  latency:
    p99: 200ms
    budget: { network: 20ms, model_inference: 90ms }
  availability:
    objective: 99.5%
${sli}  freshness:
    - feature: f_${name.replace(/-/g, '_')}
      maxAge: 5m
      fallbackAfter: 15m
`;
}

/**
 * A valid SLA with warnings: its availability objective is too low for the fastest page tier to fire,
 * which its promtool tests warn about too.
 */
function withWarnings(name: string): string {
  return valid(name).replace('99.5%', '90%');
}

/** The same file checked and compiled in one pass, on this thread: what every other way must equal. */
function reference(sources: readonly SlaSource[], settings: CompileSettings = DEFAULT_SETTINGS) {
  const load = checkSlaSources(sources);
  const outputs = load.diagnostics.some((d) => d.severity === 'error')
    ? undefined
    : compileOutputs(load.slas.map(buildPlan), settings);
  return { load, outputs };
}

/** Outputs as plain data, with the order of the files (a Map's order is part of the contract). */
function plain(result: {
  load: unknown;
  outputs: { files: Map<string, Buffer>; warnings: string[] } | undefined;
}) {
  return {
    load: result.load,
    files:
      result.outputs === undefined
        ? undefined
        : [...result.outputs.files].map(([name, content]) => [name, content.toString('utf8')]),
    warnings: result.outputs?.warnings,
  };
}

describe('mergeChunks (chunks compiled on this thread)', () => {
  const kinds = {
    valid: (name: string) => valid(name),
    custom: (name: string) => valid(name, true),
    invalid: (name: string) => valid(name).replace('objective:', 'objektive:'),
    syntax: (name: string) => `metadata: { name: ${name}\nspec: [\n`,
    empty: () => '# nothing here yet\n',
    twoDocs: (name: string) => `${valid(name)}---\n${valid(`${name}-b`)}`,
    warnings: (name: string) => withWarnings(name),
  };
  const source = fc.record({
    kind: fc.constantFrom(...(Object.keys(kinds) as Array<keyof typeof kinds>)),
    // Few names, so that the same name turns up in two files now and then.
    name: fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'),
  });

  it('gives what one pass gives, or declines, for any files cut into any chunks', () => {
    fc.assert(
      fc.property(
        fc.array(source, { maxLength: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (specs, size, reversed) => {
          const sources = specs.map((s, i) => ({ file: `slas/f${i}.yaml`, text: kinds[s.kind](s.name) }));
          const chunks: SlaSource[][] = [];
          for (let i = 0; i < sources.length; i += size) chunks.push(sources.slice(i, i + size));
          const results = chunks.map((c) => compileChunk(c, DEFAULT_SETTINGS));
          // Threads finish in any order: the merge must not depend on it.
          const compiled = (reversed ? [...results].reverse() : results).flatMap((r) => r.compiled);
          const merged = mergeChunks(
            sources,
            results.map((r) => r.load),
            compiled,
            DEFAULT_SETTINGS,
          );
          const expected = reference(sources);
          if (merged === undefined) {
            // Declining is only allowed where a pass over everything finds an error.
            expect(expected.outputs).toBeUndefined();
          } else {
            expect(plain(merged)).toEqual(plain(expected));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('declines a name used in two chunks, which only a pass over both reports', () => {
    const sources = [
      { file: 'slas/a.yaml', text: valid('same') },
      { file: 'slas/b.yaml', text: valid('same') },
    ];
    const results = sources.map((s) => compileChunk([s], DEFAULT_SETTINGS));
    expect(results.every((r) => r.load.diagnostics.length === 0)).toBe(true);
    const loads = results.map((r) => r.load);
    const compiled = results.flatMap((r) => r.compiled);
    expect(mergeChunks(sources, loads, compiled, DEFAULT_SETTINGS)).toBeUndefined();
  });
});

describe('compileSources on worker threads', () => {
  const many: SlaSource[] = [
    ...EXAMPLES,
    ...Array.from({ length: 21 }, (_, i) => ({
      file: `slas/generated/g${String(i).padStart(2, '0')}.yaml`,
      text: i % 7 === 5 ? withWarnings(`generated-${i}`) : valid(`generated-${i}`, i % 3 === 1),
    })),
  ];

  it('compiles byte for byte what one pass compiles', async () => {
    const result = await compileSources(many, DEFAULT_SETTINGS, {
      jobs: 3,
      minSourcesForWorkers: 0,
      chunkSize: 2,
    });
    expect(result.threads).toBe(3);
    expect(result.load.diagnostics.map((d) => `${d.file}:${d.severity}:${d.code}`)).toEqual([
      'slas/generated/g05.yaml:warning:page_tier_cannot_fire',
      'slas/generated/g12.yaml:warning:page_tier_cannot_fire',
      'slas/generated/g19.yaml:warning:page_tier_cannot_fire',
    ]);
    expect(result.outputs?.warnings).toHaveLength(3);
    expect(plain(result)).toEqual(plain(reference(many)));
  });

  it('uses the given settings on every thread', async () => {
    const settings: CompileSettings = {
      runbookBaseUrl: 'https://runbooks.example/',
      alertmanager: { webhookUrl: 'https://cp.example/api/v1/alertmanager', tokenFile: '/run/token' },
    };
    const result = await compileSources(many, settings, { jobs: 2, minSourcesForWorkers: 0, chunkSize: 3 });
    expect(result.threads).toBe(2);
    expect(plain(result)).toEqual(plain(reference(many, settings)));
    expect(result.outputs?.files.get('generated-20.rules.yaml')?.toString()).toContain(
      'https://runbooks.example/',
    );
    // The workers hand their files' memory over; what arrives is made a Buffer again, uncopied.
    for (const content of result.outputs!.files.values()) expect(Buffer.isBuffer(content)).toBe(true);
  });

  it('reports errors and a name used in two chunks exactly as one pass does, compiling nothing', async () => {
    const sources = [
      ...many,
      { file: 'slas/z-bad.yaml', text: valid('bad').replace('objective:', 'objektive:') },
      { file: 'slas/z-copy.yaml', text: valid('generated-3') },
    ];
    const result = await compileSources(sources, DEFAULT_SETTINGS, {
      jobs: 2,
      minSourcesForWorkers: 0,
      chunkSize: 4,
    });
    const expected = reference(sources);
    expect(result.outputs).toBeUndefined();
    expect(result.load).toEqual(expected.load);
    expect(
      result.load.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.code}`),
    ).toEqual([
      'slas/generated/g03.yaml:duplicate_name',
      'slas/z-bad.yaml:missing_field',
      'slas/z-bad.yaml:unknown_key',
      'slas/z-copy.yaml:duplicate_name',
    ]);
  });

  it('stays on this thread for a few files, or with one job', async () => {
    expect((await compileSources(EXAMPLES, DEFAULT_SETTINGS, { jobs: 4 })).threads).toBe(1);
    expect((await compileSources(many, DEFAULT_SETTINGS, { jobs: 1, minSourcesForWorkers: 0 })).threads).toBe(
      1,
    );
    // No more workers than there are chunks besides the main thread's.
    const two = await compileSources(EXAMPLES, DEFAULT_SETTINGS, {
      jobs: 8,
      minSourcesForWorkers: 0,
      chunkSize: 2,
    });
    expect(two.threads).toBe(2);
    expect(plain(two)).toEqual(plain(reference(EXAMPLES)));
  });

  it('fails, with every worker stopped, when work cannot be handed to a worker', async () => {
    // A symbol cannot be cloned into a worker.
    const settings = { ...DEFAULT_SETTINGS, broken: Symbol('not cloneable') } as unknown as CompileSettings;
    await expect(
      compileSources(many, settings, { jobs: 3, minSourcesForWorkers: 0, chunkSize: 2 }),
    ).rejects.toThrow(/could not be cloned/);
  });

  it('keeps a pool it is given running and warm across calls', async () => {
    const pool = new CompilePool(2);
    try {
      const expected = plain(reference(many));
      for (let i = 0; i < 2; i++) {
        const result = await compileSources(many, DEFAULT_SETTINGS, {
          pool,
          minSourcesForWorkers: 0,
          chunkSize: 2,
        });
        expect(result.threads).toBe(3);
        expect(plain(result)).toEqual(expected);
      }
    } finally {
      await pool.close();
    }
  });

  it('rejects job and chunk counts below one', async () => {
    expect(() => new CompilePool(-1)).toThrow(RangeError);
    await expect(compileSources(many, DEFAULT_SETTINGS, { jobs: 0 })).rejects.toThrow(RangeError);
    await expect(compileSources(many, DEFAULT_SETTINGS, { chunkSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('parseJobs', () => {
  it.each([
    ['1', 1],
    ['2', 2],
    [' 16 ', 16],
  ])('reads %j as %d', (text, jobs) => expect(parseJobs(text)).toBe(jobs));

  it.each(['0', '-1', '1.5', 'two', '', '1e3', '99999999999999999999'])('refuses %j', (text) => {
    expect(() => parseJobs(text)).toThrow(UsageError);
    expect(() => parseJobs(text)).toThrow(/--jobs must be a whole number of threads, 1 or more/);
  });
});

describe('slactl compile on several threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'slactl-compile-pool-'));
    mkdirSync(path.join(dir, 'slas'));
    for (const s of EXAMPLES) writeFileSync(path.join(dir, s.file), s.text);
    // Enough files to cross the threshold for workers.
    for (let i = 0; i < 120; i++)
      writeFileSync(path.join(dir, 'slas', `g${i}.yaml`), valid(`g-${i}`, i % 3 === 1));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function compile(out: string, jobs: number, check = false) {
    let stdout = '';
    let stderr = '';
    const io = { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t), cwd: dir };
    const code = await compileCommand(io, { paths: [], out, check, jobs });
    return { code, stdout, stderr };
  }

  it('writes the same files as one thread, and --check finds them current', async () => {
    const one = await compile('one', 1);
    const two = await compile('two', 2);
    expect(one).toEqual({
      code: 0,
      stdout: 'compiled 123 SLAs into one/: 370 written, 0 unchanged\n',
      stderr: '',
    });
    expect(two).toEqual({
      code: 0,
      stdout: 'compiled 123 SLAs into two/: 370 written, 0 unchanged\n',
      stderr: '',
    });
    const names = readdirSync(path.join(dir, 'one')).sort();
    expect(readdirSync(path.join(dir, 'two')).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(path.join(dir, 'two', name), 'utf8'), name).toBe(
        readFileSync(path.join(dir, 'one', name), 'utf8'),
      );
    }
    expect(await compile('one', 2, true)).toEqual({
      code: 0,
      stdout: 'one/ is up to date (370 files)\n',
      stderr: '',
    });
  });

  it('writes nothing when a file has an error', async () => {
    writeFileSync(path.join(dir, 'slas', 'g7.yaml'), valid('g-7').replace('99.5%', '100%'));
    const result = await compile('out', 2);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('slas/g7.yaml:');
    expect(result.stderr).toContain('nothing written: 1 error');
    expect(() => readdirSync(path.join(dir, 'out'))).toThrow(/ENOENT/);
  });
});
