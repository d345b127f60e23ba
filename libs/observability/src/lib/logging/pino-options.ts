import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';

export interface LoggingOptions {
  serviceName: string;
  level: string;
  pretty: boolean;
}

const QUIET_PATHS = /^\/(health|metrics)(\/|$|\?)/;

export function pinoParams({ serviceName, level, pretty }: LoggingOptions): Params {
  return {
    pinoHttp: {
      level,
      base: { service: serviceName },
      // Credentials never reach the logs, whatever a client sends.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
      transport: pretty
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
        : undefined,
    },
  };
}
