/** An ARI failure with the status code and message a real Asterisk gives for it. */
export class AriError extends Error {
  override readonly name = 'AriError';

  constructor(
    readonly status: number,
    message: string,
    /** The reply's key for the message: `error` where Asterisk's reply is "Allocation failed". */
    readonly field: 'message' | 'error' = 'message',
  ) {
    super(message);
  }

  static notFound(what: string): AriError {
    return new AriError(404, what);
  }

  static badRequest(message: string): AriError {
    return new AriError(400, message);
  }

  /** Asterisk answers 500 with this fixed text for several bad inputs (duplicate ids, bad formats). */
  static internal(): AriError {
    return new AriError(500, 'An internal error prevented this request from being handled');
  }

  /** A channel driver that could not make the channel (an AudioSocket that would not connect). */
  static allocationFailed(): AriError {
    return new AriError(500, 'Allocation failed', 'error');
  }

  static notImplemented(message: string): AriError {
    return new AriError(501, message);
  }
}
