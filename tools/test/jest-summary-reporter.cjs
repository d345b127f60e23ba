// Writes each Jest project's totals to test-output/jest-results so tools/dev/test.sh can print
// one closing line for the whole suite ("tests: N passed, N failed").
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class JestSummaryReporter {
  constructor(globalConfig, options = {}) {
    this.name = options.name ?? 'jest';
  }

  onRunComplete(_contexts, results) {
    const dir = join(__dirname, '../../test-output/jest-results');
    mkdirSync(dir, { recursive: true });
    const summary = {
      project: this.name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(join(dir, `${this.name}.json`), JSON.stringify(summary));
  }
}

module.exports = JestSummaryReporter;
