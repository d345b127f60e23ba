module.exports = require('../../jest.preset.cjs').createJestConfig(__dirname, {
  testEnvironment: 'jsdom',
  setupFiles: ['<rootDir>/src/__tests__/jest-setup.ts'],
});
