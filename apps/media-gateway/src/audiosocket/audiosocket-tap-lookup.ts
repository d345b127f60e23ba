import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import type { KV, KvEntry } from 'nats';
import {
  AUDIOSOCKET_TAP_MAX_BYTES,
  AUDIOSOCKET_TAPS_BUCKET,
  AudioSocketTap,
  audioSocketTapSchema,
  decodeJson,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';

/** A lookup that finds nothing is tried again this often: a replica may lag the write. */
const RETRY_MS = [50, 150, 400];

export type TapLookupResult =
  | { found: AudioSocketTap }
  | { missing: 'unknown_uuid' | 'invalid_entry' | 'registry_unavailable' };

/**
 * Reads which call and track an AudioSocket connection carries from the taps ari-ingest
 * registered (AUDIOSOCKET_TAPS_BUCKET, keyed by UUID), by direct gets of single keys: the
 * gateway may read nothing else of the bucket.
 */
@Injectable()
export class AudioSocketTapLookup {
  private readonly logger = new Logger(AudioSocketTapLookup.name);
  private kv?: Promise<KV>;

  constructor(private readonly nats: NatsClient) {}

  async find(uuid: string): Promise<TapLookupResult> {
    for (let attempt = 0; ; attempt += 1) {
      let entry: KvEntry | null;
      try {
        entry = await (await this.bucket()).get(uuid);
      } catch (error) {
        this.kv = undefined;
        this.logger.warn(
          `AudioSocket tap ${uuid} could not be looked up: ${(error as Error).message}`,
        );
        if (attempt >= RETRY_MS.length) return { missing: 'registry_unavailable' };
        await sleep(RETRY_MS[attempt]);
        continue;
      }
      if (entry?.operation === 'PUT') {
        try {
          return {
            found: decodeJson(audioSocketTapSchema, entry.value, AUDIOSOCKET_TAP_MAX_BYTES),
          };
        } catch (error) {
          this.logger.warn(
            `AudioSocket tap ${uuid} is not a valid entry: ${(error as Error).message}`,
          );
          return { missing: 'invalid_entry' };
        }
      }
      if (attempt >= RETRY_MS.length) return { missing: 'unknown_uuid' };
      await sleep(RETRY_MS[attempt]);
    }
  }

  private bucket(): Promise<KV> {
    this.kv ??= this.nats.connected.then((nc) =>
      nc.jetstream().views.kv(AUDIOSOCKET_TAPS_BUCKET, { bindOnly: true, allow_direct: true }),
    );
    return this.kv;
  }
}
