import { Controller, Get, Patch, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { Authenticated } from '../auth/access.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodBody, ZodParams, ZodResponse } from '../http/zod-openapi';
import {
  CreateUser,
  createUserSchema,
  toUserView,
  UpdateUser,
  updateUserSchema,
  userIdParamsSchema,
} from './dtos/user.dto';
import { UserView, userViewSchema } from '@asb/contracts';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller(`${API_PREFIX}/users`)
@Authenticated('admin')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every user' })
  @ZodResponse(200, z.array(userViewSchema), 'the users')
  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toUserView);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ZodResponse(201, userViewSchema, 'created')
  async create(
    @ZodBody(createUserSchema) body: CreateUser,
    @CurrentUser() actor: AuthUser,
    @Req() request: Request,
  ): Promise<UserView> {
    const user = await this.users.create(body);
    await this.audit.record({
      action: 'user_created',
      user: actor,
      clientAddress: request.ip,
      detail: { username: user.username, role: user.role },
    });
    return toUserView(user);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a user's password, role or disabled flag (revokes its tokens)" })
  @ZodResponse(200, userViewSchema, 'updated')
  async update(
    @ZodParams(userIdParamsSchema) params: z.output<typeof userIdParamsSchema>,
    @ZodBody(updateUserSchema) body: UpdateUser,
    @CurrentUser() actor: AuthUser,
    @Req() request: Request,
  ): Promise<UserView> {
    const user = await this.users.update(params.id, body);
    await this.audit.record({
      action: 'user_updated',
      user: actor,
      clientAddress: request.ip,
      detail: {
        username: user.username,
        changed: Object.keys(body),
        ...(body.role ? { role: body.role } : {}),
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
      },
    });
    return toUserView(user);
  }
}
