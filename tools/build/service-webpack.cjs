// The one webpack setup of every NestJS service: a Node bundle of src/main.ts in dist/apps/<app>,
// with the package.json of its runtime dependencies, which the Docker image installs.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('node:path');

/** @param {string} appDir the app's folder (its webpack.config.js passes __dirname) */
function serviceWebpackConfig(appDir, options = {}) {
  return {
    output: { path: join(appDir, '../../dist/apps', basename(appDir)), clean: true },
    devtool: 'source-map',
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        // The typecheck target does this once for the whole workspace.
        skipTypeChecking: true,
        sourceMap: true,
        ...options,
      }),
    ],
  };
}

module.exports = { serviceWebpackConfig };
