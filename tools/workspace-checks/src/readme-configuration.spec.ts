import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/**
 * Environment variables declared in config shapes: `  NAME: envSomething(` (or wrapped in
 * `requiredInProduction(`) in a config file.
 */
function declaredVariables(): Map<string, string> {
  const sources = [
    ...readdirSync(join(ROOT, 'libs/config/src/lib/fragments')).map((f) =>
      join(ROOT, 'libs/config/src/lib/fragments', f),
    ),
    ...readdirSync(join(ROOT, 'apps'))
      .map((app) => join(ROOT, 'apps', app, 'src/config'))
      .filter(existsSync)
      .flatMap((dir) =>
        readdirSync(dir)
          .filter((f) => f.endsWith('.config.ts'))
          .map((f) => join(dir, f)),
      ),
  ];
  const found = new Map<string, string>();
  for (const file of sources) {
    for (const match of readFileSync(file, 'utf8').matchAll(
      /^\s+([A-Z][A-Z0-9_]+):\s*(?:requiredInProduction\(\s*)?env[A-Z]\w*\(/gm,
    )) {
      found.set(match[1], file.replace(`${ROOT}/`, ''));
    }
  }
  return found;
}

describe('README configuration reference', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const variables = declaredVariables();

  it('finds the config shapes it checks', () => {
    expect(variables.size).toBeGreaterThan(20);
    expect(variables.has('NATS_SERVERS')).toBe(true);
  });

  it('documents every variable a service reads', () => {
    const missing = [...variables]
      .filter(([name]) => !readme.includes(`\`${name}\``))
      .map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});
