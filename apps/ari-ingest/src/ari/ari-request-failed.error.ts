/** An ARI request that failed: the HTTP status when Asterisk answered, none when it did not. */
export class AriRequestFailed extends Error {
  override readonly name = 'AriRequestFailed';

  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`${operation}: ${message}`);
  }

  /** Asterisk's error replies carry `{"message": ...}`; anything else is shown as it came. */
  static fromReply(operation: string, status: number, body: string): AriRequestFailed {
    let message = body.trim() || `HTTP ${status}`;
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: keep the raw text
    }
    return new AriRequestFailed(operation, status, message.slice(0, 500));
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  get notInStasis(): boolean {
    return this.status === 422;
  }
}
