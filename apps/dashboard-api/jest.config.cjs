module.exports = require('../../jest.preset.cjs').createJestConfig(__dirname, {
  testTimeout: 30_000,
});
