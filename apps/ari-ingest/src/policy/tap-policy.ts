import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { AriChannel } from '../ari/ari-model';
import type { AriIngestConfig } from '../config/ari-ingest.config';

/** Which channels are calls, which calls are tapped, and which channels are the bridge's own. */
@Injectable()
export class TapPolicy {
  private readonly callPattern: RegExp;
  private readonly contexts?: Set<string>;
  private readonly callTypes?: Set<string>;
  private readonly ownIdPrefix: string;

  constructor(@Inject(APP_CONFIG) config: AriIngestConfig) {
    this.callPattern = new RegExp(config.TAP_CHANNEL_PATTERN);
    this.contexts = config.TAP_CONTEXTS ? new Set(config.TAP_CONTEXTS) : undefined;
    this.callTypes = config.TAP_CALL_TYPES ? new Set(config.TAP_CALL_TYPES) : undefined;
    this.ownIdPrefix = `${config.TAP_ID_PREFIX}-`;
  }

  /** Our snoop and externalMedia channels (and anyone's), which are never calls. */
  isOwnOrMediaChannel(channel: AriChannel): boolean {
    return (
      channel.id.startsWith(this.ownIdPrefix) ||
      channel.name.startsWith('Snoop/') ||
      channel.name.startsWith('UnicastRTP/')
    );
  }

  isOwnId(id: string): boolean {
    return id.startsWith(this.ownIdPrefix);
  }

  /** A channel is a call when its name matches the trunk pattern (and its context, if configured). */
  isCall(channel: AriChannel): boolean {
    if (this.isOwnOrMediaChannel(channel)) return false;
    if (!this.callPattern.test(channel.name)) return false;
    return !this.contexts || this.contexts.has(channel.dialplan?.context ?? '');
  }

  /** Whether an answered call is tapped, given its VICIdial call type where known. */
  shouldTap(callType: string | undefined): boolean {
    return !this.callTypes || (callType !== undefined && this.callTypes.has(callType));
  }
}
