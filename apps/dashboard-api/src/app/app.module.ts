import { DynamicModule, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { AppConfigModule } from '@asb/config';
import { DatabaseModule } from '@asb/database';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import type { DashboardApiConfig } from '../config/dashboard-api.config';

@Module({})
export class AppModule {
  static register(config: DashboardApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'dashboard-api',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
        NatsModule.forRoot({ env: config, connectionName: 'dashboard-api' }),
        DatabaseModule.forRoot({
          env: config,
          entities: [],
          migrations: [],
          runMigrations: false,
          applicationName: 'dashboard-api',
        }),
        ...(config.DASHBOARD_STATIC_DIR
          ? [
              ServeStaticModule.forRoot({
                rootPath: config.DASHBOARD_STATIC_DIR,
                exclude: ['/api/{*path}', '/health/{*path}', '/metrics'],
              }),
            ]
          : []),
      ],
    };
  }
}
