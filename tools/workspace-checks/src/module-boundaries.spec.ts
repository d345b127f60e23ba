import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/** Lints code as if it were saved at filePath, exactly as `nx lint` would (ESLint's CLI, the repo's config). */
function boundaryErrors(filePath: string, code: string): string[] {
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/eslint/bin/eslint.js'),
      '--format',
      'json',
      '--stdin',
      '--stdin-filename',
      join(ROOT, filePath),
    ],
    {
      cwd: ROOT,
      input: code,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    },
  );
  if (!result.stdout) throw new Error(`eslint produced no report: ${result.stderr}`);
  const [report] = JSON.parse(result.stdout) as Array<{
    messages: Array<{ ruleId: string | null; message: string }>;
  }>;
  return report.messages
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
    .map((m) => m.message);
}

const VIOLATION = /cannot be imported|Imports of apps are forbidden|can only depend on/;

describe('Nx module boundaries (the lint rule every project runs)', () => {
  it.each([
    [
      'an app importing another app',
      'apps/ari-ingest/src/app/illegal.ts',
      '../../../media-gateway/src/app/app.module',
    ],
    [
      'a lib importing an app',
      'libs/contracts/src/lib/illegal.ts',
      '../../../../apps/call-logger/src/app/app.module',
    ],
    [
      "a lib reaching past another lib's index",
      'libs/nats/src/lib/illegal.ts',
      '../../../config/src/lib/load-config',
    ],
  ])('fails %s', (_case, file, target) => {
    const errors = boundaryErrors(
      file,
      `import * as target from '${target}';\nexport const x = target;\n`,
    );
    expect(errors).toEqual([expect.stringMatching(VIOLATION)]);
  });

  it('accepts an app importing a lib through its alias', () => {
    const errors = boundaryErrors(
      'apps/ari-ingest/src/app/legal.ts',
      "import { CONTRACTS_VERSION } from '@asb/contracts';\nexport const x = CONTRACTS_VERSION;\n",
    );
    expect(errors).toEqual([]);
  });
});
