import { Injectable, Logger } from '@nestjs/common';
import type { KV } from 'nats';
import {
  AUDIOSOCKET_TAP_MAX_BYTES,
  AUDIOSOCKET_TAPS_BUCKET,
  AudioSocketTap,
  audioSocketTapSchema,
  encodeJson,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';

/**
 * An entry is read once, when Asterisk connects (within the externalMedia request): one that
 * outlives that by far belongs to an instance that died before it could delete it.
 */
const ENTRY_TTL_MS = 10 * 60_000;

/**
 * Tells the gateways which call and track an AudioSocket connection carries: an entry per tap
 * in AUDIOSOCKET_TAPS_BUCKET, keyed by the UUID Asterisk sends first, written before Asterisk is
 * asked to connect and deleted when the tap comes down.
 */
@Injectable()
export class AudioSocketTapRegistry {
  private readonly logger = new Logger(AudioSocketTapRegistry.name);
  private kv?: Promise<KV>;

  constructor(private readonly nats: NatsClient) {}

  private bucket(): Promise<KV> {
    // Direct gets let a gateway read single keys without a consumer (and any replica answer).
    this.kv ??= this.nats
      .jetstream()
      .views.kv(AUDIOSOCKET_TAPS_BUCKET, { history: 1, allow_direct: true, ttl: ENTRY_TTL_MS });
    this.kv.catch(() => (this.kv = undefined));
    return this.kv;
  }

  /** Rejects when the entry could not be written: Asterisk must not connect before it is. */
  async register(tap: AudioSocketTap): Promise<void> {
    await (
      await this.bucket()
    ).put(tap.uuid, encodeJson(audioSocketTapSchema, tap, AUDIOSOCKET_TAP_MAX_BYTES));
  }

  /** Best effort: an entry left behind expires, and names a UUID no connection will use again. */
  async unregister(uuid: string): Promise<void> {
    try {
      await (await this.bucket()).purge(uuid);
    } catch (error) {
      this.logger.debug(`AudioSocket tap ${uuid} not deleted: ${(error as Error).message}`);
    }
  }
}
