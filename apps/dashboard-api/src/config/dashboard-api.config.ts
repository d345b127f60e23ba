import { databaseEnv, EnvOf, envString, natsEnv, serviceEnv } from '@asb/config';

export const dashboardApiEnv = {
  ...serviceEnv(3000),
  ...natsEnv,
  ...databaseEnv,
  /** Built dashboard (dist/apps/dashboard) to serve at /; unset when the dashboard is served elsewhere. */
  DASHBOARD_STATIC_DIR: envString().optional(),
};

export type DashboardApiConfig = EnvOf<typeof dashboardApiEnv>;
