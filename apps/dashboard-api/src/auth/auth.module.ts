import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '@asb/config';
import { AuditModule } from '../audit/audit.module';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { AccessTokens } from './access-tokens';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { loginThrottlers } from './login-throttle.guard';

/**
 * Global, so every capability's controllers and gateways can use the access guard without a
 * circular import (users and audit are guarded too, and auth needs both).
 */
@Global()
@Module({
  imports: [
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: DashboardApiConfig) => ({ throttlers: loginThrottlers(config) }),
    }),
    UsersModule,
    AuditModule,
  ],
  controllers: [AuthController],
  providers: [AccessTokens, AuthService, AccessGuard],
  exports: [AccessTokens, AuthService, AccessGuard],
})
export class AuthModule {}
