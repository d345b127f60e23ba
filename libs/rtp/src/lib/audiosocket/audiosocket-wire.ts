/**
 * The AudioSocket protocol as Asterisk 18 speaks it (chan_audiosocket / res_audiosocket): every
 * message is a kind byte, a 16-bit big-endian payload length, then the payload. Asterisk sends
 * the call's UUID first (16 bytes), then its audio; it sends no hangup message, it closes the
 * socket. Audio is signed 16-bit little-endian 8 kHz mono.
 */
export const AUDIOSOCKET_KIND = {
  hangup: 0x00,
  uuid: 0x01,
  dtmf: 0x03,
  audio: 0x10,
  error: 0xff,
} as const;

export const AUDIOSOCKET_HEADER_BYTES = 3;
export const AUDIOSOCKET_MAX_PAYLOAD = 0xffff;
export const AUDIOSOCKET_UUID_BYTES = 16;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The canonical 36-character form Asterisk's uuid_parse accepts. */
export function isAudioSocketUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/** One message on the wire: header and payload in a single buffer (a peer must write whole messages). */
export function encodeAudioSocketMessage(kind: number, payload: Uint8Array): Buffer {
  if (payload.length > AUDIOSOCKET_MAX_PAYLOAD) {
    throw new RangeError(`an AudioSocket payload holds at most ${AUDIOSOCKET_MAX_PAYLOAD} bytes`);
  }
  const message = Buffer.allocUnsafe(AUDIOSOCKET_HEADER_BYTES + payload.length);
  message[0] = kind;
  message.writeUInt16BE(payload.length, 1);
  message.set(payload, AUDIOSOCKET_HEADER_BYTES);
  return message;
}

/** The first message of a connection: the UUID given as externalMedia's `data`, as 16 bytes. */
export function encodeAudioSocketUuid(uuid: string): Buffer {
  if (!isAudioSocketUuid(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  return encodeAudioSocketMessage(
    AUDIOSOCKET_KIND.uuid,
    Buffer.from(uuid.replace(/-/g, ''), 'hex'),
  );
}

/** The UUID of a kind 0x01 payload, in the canonical lower-case form; undefined if it is not 16 bytes. */
export function decodeAudioSocketUuid(payload: Uint8Array): string | undefined {
  if (payload.length !== AUDIOSOCKET_UUID_BYTES) return undefined;
  const hex = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Called for each whole message; the payload is only valid during the call (it may be reused). */
export type AudioSocketMessageHandler = (kind: number, payload: Buffer) => void;

/**
 * Cuts a TCP byte stream into AudioSocket messages. TCP may split a message anywhere or join
 * several in one read: whole messages are handed on as views of the chunk, without a copy; only a
 * message split across reads is gathered in a buffer kept for the connection's life.
 */
export class AudioSocketReader {
  private readonly partial = Buffer.allocUnsafe(AUDIOSOCKET_HEADER_BYTES + AUDIOSOCKET_MAX_PAYLOAD);
  private partialBytes = 0;

  /** Bytes of an unfinished message held back, waiting for the rest. */
  get pendingBytes(): number {
    return this.partialBytes;
  }

  push(chunk: Buffer, onMessage: AudioSocketMessageHandler): void {
    let offset = 0;
    if (this.partialBytes > 0) {
      offset = this.completePartial(chunk, onMessage);
      if (this.partialBytes > 0) return;
    }
    while (chunk.length - offset >= AUDIOSOCKET_HEADER_BYTES) {
      const length = chunk.readUInt16BE(offset + 1);
      const end = offset + AUDIOSOCKET_HEADER_BYTES + length;
      if (end > chunk.length) break;
      onMessage(chunk[offset], chunk.subarray(offset + AUDIOSOCKET_HEADER_BYTES, end));
      offset = end;
    }
    if (offset < chunk.length) {
      chunk.copy(this.partial, 0, offset);
      this.partialBytes = chunk.length - offset;
    }
  }

  /** Adds the chunk's first bytes to the held-back message; returns how many were taken. */
  private completePartial(chunk: Buffer, onMessage: AudioSocketMessageHandler): number {
    let taken = 0;
    if (this.partialBytes < AUDIOSOCKET_HEADER_BYTES) {
      taken = Math.min(AUDIOSOCKET_HEADER_BYTES - this.partialBytes, chunk.length);
      chunk.copy(this.partial, this.partialBytes, 0, taken);
      this.partialBytes += taken;
      if (this.partialBytes < AUDIOSOCKET_HEADER_BYTES) return taken;
    }
    const total = AUDIOSOCKET_HEADER_BYTES + this.partial.readUInt16BE(1);
    const more = Math.min(total - this.partialBytes, chunk.length - taken);
    chunk.copy(this.partial, this.partialBytes, taken, taken + more);
    this.partialBytes += more;
    taken += more;
    if (this.partialBytes === total) {
      this.partialBytes = 0;
      onMessage(this.partial[0], this.partial.subarray(AUDIOSOCKET_HEADER_BYTES, total));
    }
    return taken;
  }
}
