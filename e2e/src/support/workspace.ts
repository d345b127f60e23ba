import { join } from 'node:path';

export const WORKSPACE_ROOT = join(__dirname, '../../..');
/** The run's private nats-server (support/private-nats.setup.ts), unless NATS_URL names one. */
export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

export function distMain(app: string): string {
  return join(WORKSPACE_ROOT, 'dist/apps', app, 'main.js');
}
