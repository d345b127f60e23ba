import { Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { authUserSchema, LoginResult, loginResultSchema, loginSchema } from '@asb/contracts';
import type { z } from 'zod';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodBody, ZodResponse } from '../http/zod-openapi';
import { Authenticated } from './access.decorator';
import type { AuthUser } from './auth-user';
import { AuthService } from './auth.service';
import { CurrentUser } from './current-user.decorator';
import { LoginThrottleGuard } from './login-throttle.guard';

@ApiTags('auth')
@Controller(`${API_PREFIX}/auth`)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginThrottleGuard)
  @ApiOperation({ summary: 'Exchange a username and password for an access token' })
  @ZodResponse(200, loginResultSchema, 'logged in')
  @ApiTooManyRequestsResponse({
    description: 'too many attempts from this address or for this user; wait Retry-After seconds',
  })
  async login(
    @ZodBody(loginSchema) body: z.output<typeof loginSchema>,
    @Req() request: Request,
  ): Promise<LoginResult> {
    const result = await this.auth.login(body.username, body.password, request.ip ?? 'unknown');
    return { ...result, tokenType: 'Bearer' };
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The user the token belongs to' })
  @ZodResponse(200, authUserSchema, 'the current user')
  me(@CurrentUser() user: AuthUser): AuthUser {
    return user;
  }
}
