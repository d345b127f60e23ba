module.exports = require('../jest.preset.cjs').createJestConfig(__dirname, {
  testTimeout: 60_000,
  // The benchmarks' pure helpers are checked with the cross-service tests.
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
  globalSetup: '<rootDir>/src/support/private-nats.setup.ts',
  globalTeardown: '<rootDir>/src/support/private-nats.teardown.ts',
});
