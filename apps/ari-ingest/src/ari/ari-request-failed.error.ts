/**
 * Status codes ARI gives for the messages it returns. ari-client rejects with the reply body as
 * the error message and drops the status, so the meaning is recovered from the body.
 */
const STATUS_BY_MESSAGE: Array<[RegExp, number]> = [
  [/not in Stasis application/i, 422],
  [/Channel not in this bridge/i, 422],
  [/Provided channel was not found|Channel not found|Bridge not found/i, 404],
  [/Authentication required|Unauthorized/i, 401],
  [/internal error/i, 500],
];

/** An ARI request that failed, with the HTTP meaning where it can be told. */
export class AriRequestFailed extends Error {
  override readonly name = 'AriRequestFailed';

  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`${operation}: ${message}`);
  }

  static from(operation: string, error: unknown): AriRequestFailed {
    if (error instanceof AriRequestFailed) return error;
    const raw = error instanceof Error ? error.message : String(error);
    let message = raw;
    try {
      const body = JSON.parse(raw) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // not a JSON body: a network error or ari-client's own message
    }
    const status = STATUS_BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1];
    return new AriRequestFailed(operation, status, message.slice(0, 500));
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  get notInStasis(): boolean {
    return this.status === 422;
  }
}
