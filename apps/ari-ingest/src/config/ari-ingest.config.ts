import { isIP } from 'node:net';
import { z } from 'zod';
import {
  callEventsStreamEnv,
  ConfigError,
  EnvOf,
  envBoolean,
  envEnum,
  envInteger,
  envList,
  envString,
  envUrl,
  LoadConfigOptions,
  loadConfig,
  natsEnv,
  serviceEnv,
} from '@asb/config';
import { TAP_TRANSPORTS, type TapTransport } from '@asb/contracts';

export interface AriServerConfig {
  /** Configured name: part of every callId, so it must stay the same for a server. */
  name: string;
  /** Base URL of Asterisk's HTTP server, e.g. http://10.0.0.5:8088. */
  url: string;
  user?: string;
  password?: string;
}

function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

const SERVER_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/** ARI HTTP client settings, also used where no configuration is passed. */
export const ARI_HTTP_DEFAULTS = {
  requestTimeoutMs: 5000,
  connections: 16,
  keepAliveMs: 4000,
  /** Further attempts after a 5xx or a connection closed without an answer. */
  retries: 2,
} as const;

/**
 * One Asterisk server: `name=http://host:8088` in the environment (credentials may ride in the
 * URL as `http://user:password@host:8088`), or `{name, url, user, password}` in the config file.
 */
const serverEntry = z.union([
  z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}=https?:\/\/\S+$/, 'must be name=http(s)://host:port')
    .transform((entry, ctx): AriServerConfig => {
      const [name, rawUrl] = [
        entry.slice(0, entry.indexOf('=')),
        entry.slice(entry.indexOf('=') + 1),
      ];
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        ctx.addIssue({ code: 'custom', message: `server ${name}: not a URL` });
        return z.NEVER;
      }
      const user = url.username ? decodeURIComponent(url.username) : undefined;
      const password = url.password ? decodeURIComponent(url.password) : undefined;
      url.username = '';
      url.password = '';
      return { name, url: url.origin, user, password };
    }),
  z
    .object({
      name: z.string().regex(SERVER_NAME, 'must be 1-40 characters of [A-Za-z0-9_-]'),
      url: z.url({ protocol: /^https?$/ }),
      user: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
    })
    .strict(),
]);

/** `name=address|address`: where a server's RTP comes from when not from its ARI host. */
const rtpSourcesEntry = z.string().transform((entry, ctx) => {
  const [name, ...rest] = entry.split('=');
  const addresses = rest
    .join('=')
    .split('|')
    .map((address) => address.trim());
  const invalid = addresses.filter((address) => isIP(address) === 0);
  if (!SERVER_NAME.test(name.trim()) || addresses.length === 0 || invalid.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `"${entry}" must be name=address|address with IP addresses${invalid.length > 0 ? ` (not: ${invalid.join(', ')})` : ''}`,
    });
    return z.NEVER;
  }
  return { name: name.trim(), addresses };
});

/**
 * One `key=choice` entry of a per-server or per-campaign list: a key matching `key`, a choice
 * among `choices`; `keyWord` names the key in the error (`name=rtp or name=audiosocket`).
 */
function choiceEntry<const C extends readonly string[]>(key: RegExp, choices: C, keyWord: string) {
  return z.string().transform((entry, ctx) => {
    const [name, choice, ...rest] = entry.split('=').map((part) => part.trim());
    if (!key.test(name) || rest.length > 0 || !choices.includes(choice)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" must be ${keyWord}=${choices.join(` or ${keyWord}=`)}`,
      });
      return z.NEVER;
    }
    return { name, choice: choice as C[number] };
  });
}

/** What a call's key presses become: no event, an event without the key, or with it. */
export const DTMF_MODES = ['none', 'masked', 'clear'] as const;
export type DtmfMode = (typeof DTMF_MODES)[number];

/** `CAMPAIGN=none|masked|clear`: a VICIdial campaign whose key presses are treated otherwise. */
const dtmfCampaignEntry = choiceEntry(/^[A-Za-z0-9_-]{1,20}$/, DTMF_MODES, 'CAMPAIGN').transform(
  ({ name, choice }) => ({ campaign: name, mode: choice }),
);

/** `name=rtp` or `name=audiosocket`: a server that does not use TAP_TRANSPORT. */
const transportEntry = choiceEntry(SERVER_NAME, TAP_TRANSPORTS, 'name').transform(
  ({ name, choice }) => ({ name, transport: choice }),
);

/** `host:port` Asterisk can connect to: a DNS name or an IPv4 address (IPv6 in brackets). */
const audioSocketAddress = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim() || undefined : value),
  z
    .string()
    .regex(
      /^([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):([1-9][0-9]{0,4})$/,
      'must be host:port (a DNS name or address Asterisk can reach, e.g. asb-gateway-audiosocket.asb:9092)',
    )
    .refine((address) => !(Number(address.slice(address.lastIndexOf(':') + 1)) > 65535), {
      message: 'port must be 1-65535',
    }),
);

const serverList = envList(serverEntry).refine(
  (servers) => new Set(servers.map((s) => s.name)).size === servers.length,
  'server names must be unique',
);

export const ariIngestEnv = {
  ...serviceEnv(3001),
  ...natsEnv,
  ...callEventsStreamEnv,
  /** The Asterisk servers to watch: comma-separated `name=http://host:8088`. */
  ARI_SERVERS: serverList,
  /** ARI user and password for servers whose entry names none. */
  ARI_USER: envString().default('asterisk'),
  ARI_PASSWORD: envString().optional(),
  /**
   * Per server, the addresses its RTP reaches the gateways from, when that is not what its
   * ARI host resolves to (a PBX with several interfaces, or NAT between it and the gateways):
   * `pbx1=10.0.1.5|10.0.2.5,pbx2=10.0.1.6`. Gateways drop RTP from any other address.
   */
  ARI_RTP_SOURCES: envList(rtpSourcesEntry).optional(),
  /** The Stasis application of the bridge: its snoop and externalMedia channels enter it. */
  ARI_APP: envString().default('audio-bridge'),
  /** Longest wait between two attempts to (re)connect to an Asterisk server. */
  ARI_RECONNECT_MAX_MS: envInteger({ min: 500, max: 300_000 }).default(30_000),
  /** How often each server is reconciled besides after every (re)connect. */
  ARI_RECONCILE_INTERVAL_MS: envInteger({ min: 1000, max: 3_600_000 }).default(60_000),
  /** Longest time one ARI request may take: waiting for a connection and retries included. */
  ARI_REQUEST_TIMEOUT_MS: envInteger({ min: 100, max: 60_000 }).default(
    ARI_HTTP_DEFAULTS.requestTimeoutMs,
  ),
  /**
   * Keep-alive connections to each server, and so the most ARI requests in flight there. Each is
   * one of Asterisk's HTTP sessions (`sessionlimit`, 100 by default, the events WebSocket and
   * every other ARI client included); beyond it Asterisk closes new connections unanswered.
   */
  ARI_HTTP_CONNECTIONS: envInteger({ min: 1, max: 90 }).default(ARI_HTTP_DEFAULTS.connections),
  /** How long an idle connection is kept: below Asterisk's `session_keep_alive` (15 s). */
  ARI_HTTP_KEEP_ALIVE_MS: envInteger({ min: 100, max: 14_000 }).default(
    ARI_HTTP_DEFAULTS.keepAliveMs,
  ),
  /**
   * Channels whose name matches this regular expression are calls: customers' trunk channels,
   * and on VICIdial the agents' phones too, which AGENT_PHONE_CALL_TYPES and AGENT_PHONE_PATTERN
   * take out again.
   */
  TAP_CHANNEL_PATTERN: envString()
    .refine(isRegExp, 'must be a valid regular expression')
    .default('^(SIP|PJSIP|IAX2|DAHDI)/'),
  /**
   * VICIdial call types of channels that are phones of agents or supervisors, never calls: `S` is
   * the agent login that calls an agent's phone into their room for the whole session, `BM`,
   * `BB`, `BW` a supervisor's phone called in to monitor, barge or whisper.
   */
  AGENT_PHONE_CALL_TYPES: envList(envString()).default(['S', 'BM', 'BB', 'BW']),
  /**
   * If set, channels whose name matches this regular expression are agent phones, never calls,
   * whatever their caller id (for sites that overwrite VICIdial's login caller id), e.g.
   * `^SIP/1[0-9]{3}-` for phones with extensions 1000-1999.
   */
  AGENT_PHONE_PATTERN: envString()
    .refine(isRegExp, 'must be a valid regular expression')
    .optional(),
  /** If set, only channels created in one of these dialplan contexts are calls. */
  TAP_CONTEXTS: envList(envString()).optional(),
  /** If set, only calls whose VICIdial call type letter is listed are tapped (e.g. V,M,Y). */
  TAP_CALL_TYPES: envList(envString()).optional(),
  /** `caller,agent` (one snoop each: spy=in, spy=out) or `mixed` (one snoop, spy=both). */
  TAP_TRACKS: envList(envEnum(['caller', 'agent', 'mixed'] as const)).default(['caller', 'agent']),
  /**
   * How Asterisk sends tapped audio to the gateways: `rtp` (UDP to a port a gateway allocated per
   * track) or `audiosocket` (TCP to TAP_AUDIOSOCKET_ADDRESS, one port for every gateway pod;
   * Asterisk 18 and later). TAP_TRANSPORT_BY_SERVER sets it per server.
   */
  TAP_TRANSPORT: envEnum(TAP_TRANSPORTS).default('rtp'),
  /** Servers that use another transport than TAP_TRANSPORT: `pbx1=audiosocket,pbx2=rtp`. */
  TAP_TRANSPORT_BY_SERVER: envList(transportEntry).optional(),
  /**
   * Where Asterisk connects for AudioSocket taps: the gateways' TCP Service as `host:port`.
   * Required when a server uses `audiosocket`.
   */
  TAP_AUDIOSOCKET_ADDRESS: audioSocketAddress.optional(),
  /** Codec of RTP taps. AudioSocket taps are signed linear 8 kHz, as Asterisk 18 sends it. */
  TAP_CODEC: envEnum(['ulaw', 'alaw', 'slin', 'slin16'] as const).default('ulaw'),
  /** Ask the gateway to upsample 8 kHz codecs to 16 kHz frames. */
  TAP_RESAMPLE_16K: envBoolean().default(false),
  /** Longest time one attempt to set a tap up may take (allocation, snoop, externalMedia, bridge). */
  TAP_SETUP_TIMEOUT_MS: envInteger({ min: 500, max: 60_000 }).default(8000),
  /**
   * Taps being set up at once per Asterisk server, at most; the rest wait their turn. Hundreds
   * of setups at once (a lost gateway's tracks, a burst of answers) would each queue every one of
   * their ARI requests behind all the others', so all would finish late; in turns they finish
   * one after another, the first ones at once.
   */
  TAP_SETUPS_IN_FLIGHT: envInteger({ min: 1, max: 1000 }).default(64),
  /** Longest wait between two attempts to set a tap up; attempts go on while the call lasts. */
  TAP_RETRY_MAX_MS: envInteger({ min: 100, max: 60_000 }).default(5000),
  /**
   * Tracks tapped at once per Asterisk server, at most: each costs the PBX CPU (about 0.5 % of a
   * core for a dual-track call). Tracks over the cap are announced as not_tapped and tapped when
   * capacity frees while their call lasts.
   */
  TAP_MAX_CONCURRENT: envInteger({ min: 1, max: 100_000 }).default(1000),
  /**
   * A track whose audio carries nothing (below -60 dBFS) for this long is raised as silent_track.
   * Customers on hold hear music, and agents' lines have noise: a real line is never this quiet.
   */
  AUDIO_SILENT_TRACK_AFTER_S: envInteger({ min: 1, max: 3600 }).default(10),
  /**
   * One of caller and agent speaks while the other has had no speech for this long: one_way_audio.
   * Long enough for a customer's long explanation without a word from the agent.
   */
  AUDIO_ONE_WAY_AFTER_S: envInteger({ min: 1, max: 3600 }).default(30),
  /** A media-gateway silent for this long has lost its allocations: its tracks are tapped again. */
  GATEWAY_LOST_AFTER_MS: envInteger({ min: 300, max: 60_000 }).default(1500),
  /** Prefix of the ids of our own channels and bridges, so we find them after a restart. */
  TAP_ID_PREFIX: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z
      .string()
      .regex(
        /^[a-z][a-z0-9]{1,11}$/,
        'must be 2-12 lower-case letters or digits, starting with a letter',
      )
      .default('asb'),
  ),
  /** VICIdial call code layout: legacy = V + mmddhhmmss + 9-digit lead, current = V + mddhhmmss + 10-digit lead. */
  VICIDIAL_CALL_CODE_LAYOUT: envEnum(['legacy', 'current'] as const).default('legacy'),
  /**
   * The dial prefixes of the VICIdial campaigns and lists (their Dial Prefix, Manual Dial Prefix,
   * 3-Way Call Dial Prefix and list override): VICIdial dials `Local/<prefix><number>@<context>`,
   * and the trunk channel Asterisk's Dial then creates carries that exten. The longest listed
   * prefix it starts with is cut off to give the number dialled; `X`, as in VICIdial, for none.
   */
  VICIDIAL_DIAL_PREFIXES: envList(
    z
      .string()
      .regex(/^([0-9*#]{1,20}|[Xx])$/, 'must be up to 20 digits, * or #, or X for no prefix')
      .transform((prefix) => (/^x$/i.test(prefix) ? '' : prefix)),
  ).default(['9']),
  /**
   * VICIdial's database (`mysql://user:password@host:3306/asterisk`), read only, for each call's
   * campaign, in-group, list, agent and disposition. Unset: calls carry what their call code
   * tells, as before. A user with SELECT on the vicidial_* tables the README lists is enough.
   */
  VICIDIAL_DB_URL: envUrl(['mysql']).optional(),
  /** How often the live calls are looked up, all of them in a few queries (not one per call). */
  VICIDIAL_DB_POLL_INTERVAL_MS: envInteger({ min: 200, max: 60_000 }).default(1000),
  /** Longest wait for one query; a database that stops answering is given up on and retried. */
  VICIDIAL_DB_QUERY_TIMEOUT_MS: envInteger({ min: 100, max: 60_000 }).default(5000),
  VICIDIAL_DB_CONNECTIONS: envInteger({ min: 1, max: 20 }).default(2),
  /** How long after a call's end its disposition is looked for (agents dispose of calls late). */
  VICIDIAL_DISPOSITION_WAIT_MS: envInteger({ min: 1000, max: 24 * 3600 * 1000 }).default(
    15 * 60_000,
  ),
  /**
   * Keys pressed on calls (ARI's ChannelDtmfReceived on the customer's channel) published as
   * `dtmf` events. Off by default: customers type card numbers and PINs on the keypad, which are
   * cardholder data (PCI DSS) wherever they are carried or stored.
   */
  DTMF_EVENTS: envEnum(['off', 'on'] as const).default('off'),
  /** With DTMF_EVENTS on: `masked` (that a key was pressed, not which) or `clear` (the key). */
  DTMF_DIGITS: envEnum(['masked', 'clear'] as const).default('masked'),
  /**
   * Per VICIdial campaign, what its calls' key presses become, whatever DTMF_EVENTS and
   * DTMF_DIGITS say: `PAYMENTS=none,SURVEY=clear,SALES=masked`. A call whose campaign is not
   * known (yet) follows DTMF_EVENTS and DTMF_DIGITS.
   */
  DTMF_BY_CAMPAIGN: envList(dtmfCampaignEntry).optional(),
  /** How long the active instance's lease lives without renewal; a standby takes over after it. */
  LEADER_LEASE_TTL_MS: envInteger({ min: 2000, max: 120_000 }).default(10_000),
};

/** The loaded configuration: every server carries its password, its own or ARI_PASSWORD. */
export type AriIngestConfig = Omit<EnvOf<typeof ariIngestEnv>, 'ARI_SERVERS'> & {
  ARI_SERVERS: Array<AriServerConfig & { password: string }>;
};

/** loadConfig plus the checks that involve more than one variable. */
export function loadAriIngestConfig(options?: LoadConfigOptions): AriIngestConfig {
  const env = loadConfig(ariIngestEnv, options);
  const servers: AriIngestConfig['ARI_SERVERS'] = [];
  const withoutPassword: string[] = [];
  for (const server of env.ARI_SERVERS) {
    const password = server.password ?? env.ARI_PASSWORD;
    if (password) servers.push({ ...server, password });
    else withoutPassword.push(server.name);
  }
  for (const variable of ['ARI_RTP_SOURCES', 'TAP_TRANSPORT_BY_SERVER'] as const) {
    const unknown = (env[variable] ?? [])
      .map((entry) => entry.name)
      .filter((name) => !env.ARI_SERVERS.some((server) => server.name === name));
    if (unknown.length > 0) {
      throw new ConfigError([
        { variable, message: `names no server of ARI_SERVERS: ${unknown.join(', ')}` },
      ]);
    }
  }
  const overAudioSocket = env.ARI_SERVERS.filter(
    (server) => tapTransportOf(env, server.name) === 'audiosocket',
  );
  if (overAudioSocket.length > 0 && !env.TAP_AUDIOSOCKET_ADDRESS) {
    throw new ConfigError([
      {
        variable: 'TAP_AUDIOSOCKET_ADDRESS',
        message: `must be set: ${overAudioSocket.map((server) => server.name).join(', ')} use${overAudioSocket.length === 1 ? 's' : ''} the audiosocket transport`,
      },
    ]);
  }
  const campaigns = (env.DTMF_BY_CAMPAIGN ?? []).map((entry) => entry.campaign);
  const repeated = campaigns.filter((campaign, i) => campaigns.indexOf(campaign) !== i);
  if (repeated.length > 0) {
    throw new ConfigError([
      { variable: 'DTMF_BY_CAMPAIGN', message: `names a campaign twice: ${repeated.join(', ')}` },
    ]);
  }
  if (withoutPassword.length > 0) {
    throw new ConfigError([
      {
        variable: 'ARI_PASSWORD',
        message: `must be set: ARI_SERVERS gives no password for ${withoutPassword.join(', ')}`,
      },
    ]);
  }
  return { ...env, ARI_SERVERS: servers };
}

/** The transport of a server's taps: its TAP_TRANSPORT_BY_SERVER entry, else TAP_TRANSPORT. */
export function tapTransportOf(
  config: Pick<AriIngestConfig, 'TAP_TRANSPORT' | 'TAP_TRANSPORT_BY_SERVER'>,
  server: string,
): TapTransport {
  return (
    config.TAP_TRANSPORT_BY_SERVER?.find((entry) => entry.name === server)?.transport ??
    config.TAP_TRANSPORT
  );
}

/**
 * What the key presses of a call of `campaign` become: the campaign's DTMF_BY_CAMPAIGN entry,
 * else DTMF_EVENTS with DTMF_DIGITS.
 */
export function dtmfModeOf(
  config: Pick<AriIngestConfig, 'DTMF_EVENTS' | 'DTMF_DIGITS' | 'DTMF_BY_CAMPAIGN'>,
  campaign: string | undefined,
): DtmfMode {
  const own = campaign && config.DTMF_BY_CAMPAIGN?.find((entry) => entry.campaign === campaign);
  if (own) return own.mode;
  return config.DTMF_EVENTS === 'on' ? config.DTMF_DIGITS : 'none';
}

/** Whether any call's key presses can become events: then Asterisk is asked to send them. */
export function dtmfWanted(
  config: Pick<AriIngestConfig, 'DTMF_EVENTS' | 'DTMF_BY_CAMPAIGN'>,
): boolean {
  return (
    config.DTMF_EVENTS === 'on' ||
    (config.DTMF_BY_CAMPAIGN ?? []).some((entry) => entry.mode !== 'none')
  );
}
