import { z } from 'zod';
import { userRoleSchema, type UserView } from '@asb/contracts';
import type { UserEntity } from '../user.entity';

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_.@-]{1,64}$/, 'must be 1-64 characters of a-z 0-9 _ . @ -');

export const passwordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters');

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: userRoleSchema,
});
export type CreateUser = z.output<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    password: passwordSchema.optional(),
    role: userRoleSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((update) => Object.keys(update).length > 0, 'name at least one field to change');
export type UpdateUser = z.output<typeof updateUserSchema>;

export const userIdParamsSchema = z.object({ id: z.uuid('must be a user id (UUID)') });

export function toUserView(user: UserEntity): UserView {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
  };
}
