// What a chaos scenario did and what it lost, computed from what the control plane answers afterwards
// (never asserted by fiat), printed for the CI log and checked by the test: every count must match.
import { expect } from 'vitest';

/** One thing counted before the fault and found again after it. */
export interface Tally {
  what: string;
  /** How many were acknowledged, posted or started. */
  expected: number;
  /** How many the control plane holds (or did) afterwards. */
  found: number;
}

/** A yes/no fact of the final state (the audit chain verifies, the database is intact). */
export interface Fact {
  what: string;
  ok: boolean;
  detail: string;
}

/** The printed record of one scenario. */
export class Inventory {
  private readonly steps: string[] = [];
  private readonly tallies: Tally[] = [];
  private readonly facts: Fact[] = [];
  private readonly notes: string[] = [];
  private readonly startedMs = performance.now();

  constructor(readonly scenario: string) {}

  /** Records a step of the scenario, with the time since its start. */
  did(step: string): void {
    const seconds = ((performance.now() - this.startedMs) / 1000).toFixed(1);
    this.steps.push(`${seconds.padStart(6)} s  ${step}`);
  }

  /** Records a count that must come out equal: found < expected is a loss, found > expected a duplicate. */
  tally(what: string, expected: number, found: number): void {
    this.tallies.push({ what, expected, found });
  }

  /** Records a fact that must hold. */
  fact(what: string, ok: boolean, detail = ''): void {
    this.facts.push({ what, ok, detail });
  }

  /** A measured figure or an honest remark that is not a pass/fail check. */
  note(text: string): void {
    this.notes.push(text);
  }

  /** The tallies that do not match and the facts that do not hold, as readable lines. */
  problems(): string[] {
    return [
      ...this.tallies
        .filter((t) => t.found !== t.expected)
        .map((t) =>
          t.found < t.expected
            ? `${t.what}: LOST ${t.expected - t.found} of ${t.expected}`
            : `${t.what}: ${t.found - t.expected} MORE than the ${t.expected} expected`,
        ),
      ...this.facts.filter((f) => !f.ok).map((f) => `${f.what}: FAILED${f.detail ? ` (${f.detail})` : ''}`),
    ];
  }

  /** The inventory as text. */
  render(): string {
    const lost = this.tallies.reduce((n, t) => n + Math.max(0, t.expected - t.found), 0);
    const extra = this.tallies.reduce((n, t) => n + Math.max(0, t.found - t.expected), 0);
    const width = Math.max(
      0,
      ...this.tallies.map((t) => t.what.length),
      ...this.facts.map((f) => f.what.length),
    );
    const lines = [`chaos: ${this.scenario}`, '  what it did:', ...this.steps.map((s) => `  ${s}`)];
    lines.push('  inventory (expected → found, lost):');
    for (const t of this.tallies) {
      const loss = t.expected - t.found;
      const verdict = loss === 0 ? 'lost 0' : loss > 0 ? `LOST ${loss}` : `${-loss} EXTRA`;
      lines.push(`    ${t.what.padEnd(width)}  ${t.expected} → ${t.found}, ${verdict}`);
    }
    for (const f of this.facts) {
      lines.push(`    ${f.what.padEnd(width)}  ${f.ok ? 'ok' : 'FAILED'}${f.detail ? ` (${f.detail})` : ''}`);
    }
    for (const n of this.notes) lines.push(`  note: ${n}`);
    const problems = this.problems();
    lines.push(
      problems.length === 0
        ? `  verdict: nothing lost (${this.tallies.length} counts, ${this.facts.length} checks)`
        : `  verdict: ${lost} lost, ${extra} extra, ${problems.length} problem(s): ${problems.join('; ')}`,
    );
    return `${lines.join('\n')}\n`;
  }

  /** Prints the inventory and fails the test when anything was lost or a check failed. */
  settle(): void {
    process.stdout.write(`\n${this.render()}`);
    expect(this.problems(), `chaos: ${this.scenario}`).toEqual([]);
  }
}
