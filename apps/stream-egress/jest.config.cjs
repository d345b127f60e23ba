module.exports = require('../../jest.preset.cjs').createJestConfig(__dirname, {
  testTimeout: 20_000,
});
