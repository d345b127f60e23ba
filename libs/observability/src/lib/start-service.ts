import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, redactConfig, ServiceEnv } from '@asb/config';
import { Logger } from 'nestjs-pino';

/** Exit status for a configuration error (sysexits' EX_CONFIG), so an orchestrator can tell it apart. */
export const EXIT_CONFIG_ERROR = 78;

export interface StartServiceOptions<C extends ServiceEnv> {
  name: string;
  loadConfig: () => C;
  module: (config: C) => DynamicModule | Type<unknown>;
  /** Extra setup (prefixes, adapters, CORS) before the HTTP server listens. */
  configure?: (app: INestApplication, config: C) => void | Promise<void>;
}

/** One JSON line for log collectors, then the same text plainly for a person reading the terminal. */
function writeFatal(service: string, message: string): void {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', time: Date.now(), service, msg: message })}\n${service}: ${message}\n`,
  );
}

/**
 * Starts a service: validated config (a bad value stops it, naming the variable), pino logs,
 * health and metrics, and a graceful stop on SIGTERM/SIGINT bounded by SHUTDOWN_TIMEOUT_MS.
 */
export async function startService<C extends ServiceEnv>(
  options: StartServiceOptions<C>,
): Promise<INestApplication> {
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      writeFatal(options.name, error.message);
      process.exit(EXIT_CONFIG_ERROR);
    }
    throw error;
  }

  const app = await NestFactory.create(options.module(config), { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);

  // Nest's own shutdown hooks re-raise the signal after closing, so the process would end "killed
  // by SIGTERM"; a clean stop should end with status 0, so the signals are handled here instead.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received, stopping (at most ${config.SHUTDOWN_TIMEOUT_MS} ms)`);
      setTimeout(() => {
        writeFatal(
          options.name,
          `graceful stop took longer than ${config.SHUTDOWN_TIMEOUT_MS} ms, exiting`,
        );
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS).unref();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          writeFatal(options.name, `error while stopping: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    });
  }
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });

  await options.configure?.(app, config);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.log({
    msg: `${options.name} listening on ${config.HTTP_HOST}:${config.HTTP_PORT}`,
    config: redactConfig(config as unknown as Record<string, unknown>),
  });
  return app;
}
