import { DynamicModule, Global, Module } from '@nestjs/common';

/** Injection token of the service's validated configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Makes a service's loaded config injectable everywhere with `@Inject(APP_CONFIG)`. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot<T extends object>(config: T): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: Object.freeze({ ...config }) }],
      exports: [APP_CONFIG],
    };
  }
}
