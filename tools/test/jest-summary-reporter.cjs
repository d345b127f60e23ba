// Writes each Jest project's totals, and the name and first lines of every failure, to
// test-output/jest-results so tools/dev/test.sh can close with one summary for the whole suite:
// CI keeps only the tail of the output, and a failure scrolled out of it cannot be diagnosed.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const MESSAGE_LINES = 12;
const ANSI_ESCAPES = /\u001b\[[0-9;]*m/g;

class JestSummaryReporter {
  constructor(globalConfig, options = {}) {
    this.name = options.name ?? 'jest';
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = join(__dirname, '../../test-output/jest-results');
    mkdirSync(dir, { recursive: true });
    const summary = {
      project: this.name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      failures: failuresOf(results.testResults, join(__dirname, '../..')),
    };
    writeFileSync(join(dir, `${this.name}.json`), JSON.stringify(summary));
  }
}

function failuresOf(testResults, workspaceRoot) {
  const failures = [];
  for (const file of testResults) {
    const path = relative(workspaceRoot, file.testFilePath);
    if (file.testExecError) {
      failures.push({
        path,
        test: '(the file did not run)',
        message: firstLines(file.testExecError.message),
      });
    }
    for (const test of file.testResults) {
      if (test.status !== 'failed') continue;
      failures.push({
        path,
        test: test.fullName,
        message: firstLines(test.failureMessages.join('\n')),
      });
    }
  }
  return failures;
}

/** The message and the spec's own stack frames, without Jest's and the libraries'. */
function firstLines(text) {
  return (text ?? '')
    .replace(ANSI_ESCAPES, '')
    .split('\n')
    .filter((line) => !/^\s+at .*(node_modules|node:internal|<anonymous>)/.test(line))
    .slice(0, MESSAGE_LINES)
    .join('\n');
}

module.exports = JestSummaryReporter;
