import type { WireMessage } from '../formats/egress-format';

/** The WebSocket a stream writes to: one we opened to a backend, or one a client opened to us. */
export interface EgressTransport {
  /** Bytes accepted by send() that are not on the wire yet. */
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
  send(message: WireMessage): void;
  /**
   * Ends the connection for good: a close frame after what was sent, then the socket is destroyed
   * if the peer has not answered within `graceMs`. Resolves when the socket is gone.
   */
  close(code: number, reason: string, graceMs: number): Promise<void>;
}

/** What a transport tells its stream. */
export interface TransportListener {
  /** A connection is open (the first, or a new one after `lost`). */
  opened(): void;
  /** The connection dropped or an attempt failed; the transport tries again (outbound only). */
  lost(detail: string, wasOpen: boolean): void;
  /** The connection is over for good: the peer closed it normally, or a client left. */
  ended(detail: string): void;
  received(data: Buffer, isBinary: boolean): void;
}
