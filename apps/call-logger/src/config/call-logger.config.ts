import { callEventsStreamEnv, databaseEnv, EnvOf, natsEnv, serviceEnv } from '@asb/config';

export const callLoggerEnv = {
  ...serviceEnv(3003),
  ...natsEnv,
  ...callEventsStreamEnv,
  ...databaseEnv,
};

export type CallLoggerConfig = EnvOf<typeof callLoggerEnv>;
