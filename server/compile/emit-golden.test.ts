// Golden files of everything the emitters write for the fixture plans. Run with UPDATE_GOLDEN=1 to
// rewrite them after an intended change, then review the diff.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emitAlertmanager } from './emit-alertmanager.js';
import { emitBudget } from './emit-budget.js';
import { emitRuleTests } from './emit-rule-tests.js';
import { emitRules } from './emit-rules.js';
import { DEFAULT_SETTINGS } from './ir.js';
import { allFixturePlans } from './test-support/fixtures.js';

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const path = join(TESTDATA, name);
  if (UPDATE) {
    mkdirSync(TESTDATA, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(`missing golden file ${path}: run UPDATE_GOLDEN=1 npx vitest run ${name}`);
  expect(actual, `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`).toBe(
    readFileSync(path, 'utf8'),
  );
}

describe('golden files', () => {
  for (const plan of allFixturePlans()) {
    it(`${plan.name}: rules, tests and budget`, () => {
      const rules = `${plan.name}.rules.yaml`;
      golden(rules, emitRules(plan, DEFAULT_SETTINGS));
      golden(`${plan.name}.rules.test.yaml`, emitRuleTests(plan, DEFAULT_SETTINGS, rules).text);
      const budget = emitBudget(plan);
      if (budget !== undefined) golden(`${plan.name}.budget.json`, budget);
    });
  }

  it('alertmanager.yaml', () => {
    golden('alertmanager.yaml', emitAlertmanager(allFixturePlans(), DEFAULT_SETTINGS));
  });
});
