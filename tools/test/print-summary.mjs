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
// The steps of tools/dev/test.sh that failed (a step with failing tests among them).
const failedSteps = process.argv.slice(2);
console.log(
  `\n${projects.length} test projects; steps failed: ${failedSteps.length === 0 ? 'none' : failedSteps.join(', ')}`,
);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || failedSteps.length > 0 || totals.passed === 0 ? 1 : 0);
