import { z } from 'zod';
import { userRoleSchema } from '../../users/dtos/user.dto';

export const loginSchema = z.strictObject({
  username: z.string().trim().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(256),
});

export const authUserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  role: userRoleSchema,
});

export const loginResultSchema = z.object({
  accessToken: z.string().describe('JWT to send as `Authorization: Bearer <token>`'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('seconds until the token expires'),
  user: authUserSchema,
});
