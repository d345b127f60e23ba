import { callIdSchema } from '@asb/contracts';
import { z } from 'zod';

export const listenRequestSchema = z.strictObject({ callId: callIdSchema });

export type ListenReply = { ok: true; callId: string } | { ok: false; error: string };
