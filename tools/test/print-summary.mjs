// Sums the per-project Jest totals into the suite's closing lines, naming every failed test.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '../../test-output/jest-results');
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const projects = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const file of projects) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  for (const key of Object.keys(totals)) totals[key] += result[key];
  for (const failure of result.failures ?? [])
    failures.push({ project: result.project, ...failure });
}
for (const { project, path, test, message } of failures) {
  console.log(`\nFAILED ${project}: ${path}\n  ${test}\n${message.replace(/^/gm, '    ')}`);
}
const failedSteps = Number(process.argv[2] ?? 0);
console.log(`\n${projects.length} test projects; ${failedSteps} failed steps`);
console.log(
  `tests: ${totals.passed} passed, ${totals.failed + failedSteps} failed, ${totals.skipped} skipped`,
);
process.exit(totals.failed + failedSteps > 0 || totals.passed === 0 ? 1 : 0);
