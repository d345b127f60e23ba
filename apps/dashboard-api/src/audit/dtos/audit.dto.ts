import { AUDIT_ACTIONS, type AuditPage, callIdSchema } from '@asb/contracts';
import { z } from 'zod';
import { plainText } from '../../http/plain-text.schema';
import type { AuditLogEntry } from '../audit-log-entry.entity';

export const auditQuerySchema = z.strictObject({
  action: z.enum(AUDIT_ACTIONS).optional(),
  callId: callIdSchema.optional(),
  username: plainText(64).optional(),
  before: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, 'must be an entry id')
    .optional()
    .describe('id of the last entry of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function toAuditPage(entries: AuditLogEntry[], limit: number): AuditPage {
  return {
    entries: entries.map((entry) => ({
      id: String(entry.id),
      occurredAt: entry.occurredAt.toISOString(),
      action: entry.action,
      userId: entry.userId,
      username: entry.username,
      callId: entry.callId,
      clientAddress: entry.clientAddress,
      detail: entry.detail,
    })),
    nextBefore: entries.length === limit ? String(entries[entries.length - 1].id) : null,
  };
}
