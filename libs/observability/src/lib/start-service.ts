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

function configErrorIn(error: unknown): ConfigError | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ConfigError) return cause;
  }
  return undefined;
}

/** What went wrong, in one line, in the operator's terms where the cause is a known one. */
function startFailure(error: unknown, config: ServiceEnv | undefined): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (config && code === 'EADDRINUSE') return `HTTP_PORT ${config.HTTP_PORT} is already in use`;
  if (config && (code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    return `cannot listen on HTTP_HOST ${config.HTTP_HOST}, HTTP_PORT ${config.HTTP_PORT} (${code})`;
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `failed to start: ${text.replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * A service that cannot start must not linger half-started (connected to NATS, no HTTP server,
 * invisible to health checks): it says why and ends, so its supervisor sees the failure and
 * restarts or reports it. Configuration errors get EX_CONFIG, which is not worth retrying.
 */
function failStart(service: string, error: unknown, config?: ServiceEnv): never {
  const configError = configErrorIn(error);
  if (configError) {
    writeFatal(service, configError.message);
    process.exit(EXIT_CONFIG_ERROR);
  }
  writeFatal(service, startFailure(error, config));
  process.exit(1);
}

/**
 * Starts a service: validated config (a bad value stops it, naming the variable), pino logs,
 * health and metrics, and a graceful stop on SIGTERM/SIGINT bounded by SHUTDOWN_TIMEOUT_MS.
 * Any failure before it listens ends the process at once: status 78 for a ConfigError (from
 * loading or from a module's init), 1 for anything else.
 */
export async function startService<C extends ServiceEnv>(
  options: StartServiceOptions<C>,
): Promise<INestApplication> {
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    failStart(options.name, error);
  }
  try {
    return await createAndListen(options, config);
  } catch (error) {
    failStart(options.name, error, config);
  }
}

async function createAndListen<C extends ServiceEnv>(
  options: StartServiceOptions<C>,
  config: C,
): Promise<INestApplication> {
  // Without abortOnError: false, Nest ends the process itself with status 1 on an init error.
  const app = await NestFactory.create(options.module(config), {
    bufferLogs: true,
    abortOnError: false,
  });
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
