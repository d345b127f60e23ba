export class NatsUnavailableError extends Error {
  override readonly name = 'NatsUnavailableError';

  constructor(detail: string) {
    super(`NATS is not available: ${detail}`);
  }
}
