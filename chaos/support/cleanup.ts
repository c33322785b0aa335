// Undo steps registered as a scenario builds its world (servers, mounts, temp dirs), run in reverse
// after each test whether it passed or not; one failing step does not skip the others.
import { afterEach } from 'vitest';

/** Registers the afterEach hook of this test file and returns `defer(step)`. */
export function cleanups(): (step: () => unknown) => void {
  const steps: Array<() => unknown> = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'chaos: cleaning up failed');
  });
  return (step) => void steps.push(step);
}
