import { hostname } from 'node:os';
import { z } from 'zod';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

const workerEnv = z.object({
  NATS_SERVERS: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** The `ai-worker` user of the shipped NATS config, where the server asks for one. */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  /** Names this worker in its claims; unique per running worker. */
  WORKER_ID: z
    .string()
    .regex(ID, 'must be 1-64 characters of [A-Za-z0-9_-]')
    .default(
      `${hostname()
        .replace(/[^A-Za-z0-9_-]/g, '-')
        .slice(0, 40)}-${process.pid}`,
    ),
  /** A claim not renewed for this long is taken over by another worker. */
  CLAIM_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** Call events read back at start, to find the calls already in progress. */
  EVENTS_REPLAY_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(10),
});

export type WorkerConfig = z.infer<typeof workerEnv>;

/** The settings, or an error naming every variable at fault. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = workerEnv.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new InvalidWorkerConfig(problems);
}

export class InvalidWorkerConfig extends Error {
  override readonly name = 'InvalidWorkerConfig';

  constructor(readonly problems: string[]) {
    super(`invalid settings: ${problems.join('; ')}`);
  }
}
