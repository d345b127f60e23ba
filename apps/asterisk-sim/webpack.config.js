const { serviceWebpackConfig } = require('../../tools/build/service-webpack.cjs');

module.exports = serviceWebpackConfig(__dirname, {
  additionalEntryPoints: [
    { entryName: 'cli', entryPath: './src/cli/sim-cli.ts' },
    { entryName: 'rtp-sender-worker', entryPath: './src/media/rtp-sender.worker.ts' },
  ],
  assets: [{ input: './fixtures', glob: '*.wav', output: 'fixtures' }],
});
