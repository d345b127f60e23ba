// Shared Jest setup: SWC keeps decorator metadata (Nest DI needs it) and the
// tsconfig path aliases are mapped so tests import libs exactly as apps do.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/', '\\/')}$`,
    path.join(__dirname, target),
  ]),
);

const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true, tsx: true },
      transform: {
        legacyDecorator: true,
        decoratorMetadata: true,
        react: { runtime: 'automatic' },
      },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

function createJestConfig(projectDir, overrides = {}) {
  return {
    displayName: path.basename(projectDir),
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.tsx'],
    transform: { '^.+\\.[tj]sx?$': swcTransform },
    moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
    moduleNameMapper,
    coverageDirectory: path.join(__dirname, 'coverage', path.relative(__dirname, projectDir)),
    reporters: [
      'default',
      [
        path.join(__dirname, 'tools/test/jest-summary-reporter.cjs'),
        { name: path.basename(projectDir) },
      ],
    ],
    ...overrides,
  };
}

module.exports = { createJestConfig, moduleNameMapper, swcTransform };
