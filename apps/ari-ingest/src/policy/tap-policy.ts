import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { AriChannel } from '../ari/ari-model';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { ownIdPrefix } from '../tap/tap-handle';
import { parseVicidialCallCode } from './parse-vicidial-call-code.util';

/** Which channels are calls, which calls are tapped, and which channels are the bridge's own. */
@Injectable()
export class TapPolicy {
  private readonly callPattern: RegExp;
  private readonly contexts?: Set<string>;
  private readonly callTypes?: Set<string>;
  private readonly ownIdPrefix: string;
  private readonly agentPhoneTypes: Set<string>;
  private readonly agentPhonePattern?: RegExp;
  /** The logged-in agents' phones VICIdial's database lists (`SIP/1001`), when it is read. */
  private agentPhones = new Set<string>();

  constructor(@Inject(APP_CONFIG) private readonly config: AriIngestConfig) {
    this.agentPhoneTypes = new Set(config.AGENT_PHONE_CALL_TYPES);
    this.agentPhonePattern = config.AGENT_PHONE_PATTERN
      ? new RegExp(config.AGENT_PHONE_PATTERN)
      : undefined;
    this.callPattern = new RegExp(config.TAP_CHANNEL_PATTERN);
    this.contexts = config.TAP_CONTEXTS ? new Set(config.TAP_CONTEXTS) : undefined;
    this.callTypes = config.TAP_CALL_TYPES ? new Set(config.TAP_CALL_TYPES) : undefined;
    this.ownIdPrefix = ownIdPrefix(config);
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

  /**
   * An agent's (or supervisor's) phone, which VICIdial calls into a room and which the trunk
   * pattern cannot tell from a customer's call: by its caller id, the login call code VICIdial
   * gives it, by the configured name pattern, or as a phone VICIdial's database lists.
   */
  isAgentPhone(channel: AriChannel): boolean {
    if (this.agentPhonePattern?.test(channel.name)) return true;
    // A channel is named after its device plus `-<sequence>`: `SIP/1001-0000001a`.
    const device = channel.name.slice(0, channel.name.lastIndexOf('-'));
    if (this.agentPhones.has(device)) return true;
    const code = parseVicidialCallCode(channel.caller?.name, this.config.VICIDIAL_CALL_CODE_LAYOUT);
    return code?.callType !== undefined && this.agentPhoneTypes.has(code.callType);
  }

  /** The phones of the agents logged in now, from VICIdial's vicidial_live_agents. */
  useAgentPhones(phones: Set<string>): void {
    this.agentPhones = phones;
  }

  /**
   * Whether a channel cannot be told yet: one still Down that Dial has not staged and that has
   * no call code may become an agent's phone (VICIdial gives it its login caller id before
   * calling it) or, on chan_sip, is a call coming in that goes to Ring next.
   */
  isUndecided(channel: AriChannel): boolean {
    return (
      channel.state === 'Down' &&
      !isDialled(channel) &&
      !parseVicidialCallCode(channel.caller?.name, this.config.VICIDIAL_CALL_CODE_LAYOUT)
    );
  }

  /** Which way a call goes, told when the channel stops being undecided. */
  directionOf(channel: AriChannel): 'inbound' | 'outbound' | 'unknown' {
    if (isDialled(channel)) return 'outbound';
    if (channel.state === 'Ring') return 'inbound';
    if (channel.state === 'Ringing' || channel.state === 'Down') return 'outbound';
    // Seen first when already answered (a channel list can beat the events): a dialled channel
    // never leaves Dial's AppDial, so one that runs dialplan came in.
    if (channel.state === 'Up' && channel.dialplan?.app_name) return 'inbound';
    return 'unknown';
  }

  /** Whether an answered call is tapped, given its VICIdial call type where known. */
  shouldTap(callType: string | undefined): boolean {
    return !this.callTypes || (callType !== undefined && this.callTypes.has(callType));
  }
}

/** Dial created and staged the channel (its dialplan shows app_dial's AppDial): an outgoing call. */
function isDialled(channel: AriChannel): boolean {
  return channel.dialplan?.app_name?.startsWith('AppDial') ?? false;
}
