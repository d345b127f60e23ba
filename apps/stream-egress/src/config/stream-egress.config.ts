import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ConfigError,
  ConfigProblem,
  EnvOf,
  envInteger,
  envJson,
  envList,
  envString,
  loadConfig,
  LoadConfigOptions,
  natsEnv,
  serviceEnv,
} from '@asb/config';
import { AUDIO_TRACKS } from '@asb/contracts';
import {
  EGRESS_FORMATS,
  JAMBONZ_MIX_TYPES,
  JAMBONZ_SAMPLE_RATES,
  TWILIO_DEFAULT_TRACKS,
} from '../formats/egress-format-names';

function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** RFC 7230 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the WebSocket handshake or our signature own: a route may not set them. */
const RESERVED_HEADERS =
  /^(host|connection|upgrade|authorization|sec-websocket-.*|x-asb-(signature|timestamp|stream-id))$/i;

const wsUrl = z.string().refine((value) => {
  try {
    return ['ws:', 'wss:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be a ws:// or wss:// URL');

/**
 * One WebSocket backend of a route. Secrets are given inline (`bearerToken`, `hmacSecret`: the
 * config loader redacts keys ending in Token/Secret in its log line) or, better, by the name of
 * another environment variable that holds them (`bearerTokenEnv`, `hmacSecretEnv`), so the routes
 * can live in a ConfigMap and the secrets in a Secret.
 */
export const egressTargetConfigSchema = z
  .object({
    url: wsUrl,
    format: z.enum(EGRESS_FORMATS).default('twilio'),
    /** Tracks to send (twilio): caller = Twilio's `inbound`, agent = `outbound`. */
    tracks: z
      .array(z.enum(AUDIO_TRACKS))
      .min(1)
      .max(3)
      .default([...TWILIO_DEFAULT_TRACKS]),
    /** Rate of the PCM frames (jambonz). */
    sampleRate: z
      .union(JAMBONZ_SAMPLE_RATES.map((rate) => z.literal(rate)) as [z.ZodLiteral<8000>])
      .default(8000),
    /** mono = the customer, stereo = customer left + agent right, mixed = both in one channel (jambonz). */
    mixType: z.enum(JAMBONZ_MIX_TYPES).default('mono'),
    bearerToken: z.string().min(1).optional(),
    bearerTokenEnv: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
    hmacSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    hmacSecretEnv: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
    /** Extra, non-secret handshake headers (they are logged with the config). */
    headers: z
      .record(z.string(), z.string().max(1024))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!HEADER_NAME.test(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'is not a header name' });
          } else if (RESERVED_HEADERS.test(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'is reserved' });
          }
        }
      })
      .optional(),
    /** CA bundle (PEM) that signs this backend's certificate, besides EGRESS_TLS_CA_FILE. */
    caFile: z.string().min(1).optional(),
    /**
     * Send the bearer token and signature over a ws:// URL anyway: only for a backend on the same
     * host or behind an encrypted network. Without it, credentials require wss://.
     */
    allowPlainWs: z.literal(true).optional(),
  })
  .strict();

/** What a route or a next-call client does with the replay tool's calls. */
export const REPLAY_CHOICES = ['include', 'exclude', 'only'] as const;
export type ReplayChoice = (typeof REPLAY_CHOICES)[number];

export const egressRouteMatchSchema = z
  .object({
    /** Every tapped call. */
    all: z.literal(true).optional(),
    /** VICIdial campaign ids (any of them). */
    campaigns: z.array(z.string().min(1)).min(1).optional(),
    /** VICIdial in-group ids (any of them): inbound calls and calls sent on to an in-group. */
    inGroups: z.array(z.string().min(1)).min(1).optional(),
    /** VICIdial agents (users, any of them) the call is with. */
    agents: z.array(z.string().min(1)).min(1).optional(),
    /** VICIdial call type letters, e.g. V (auto-dial), M (manual), Y (inbound). */
    callTypes: z.array(z.string().min(1)).min(1).optional(),
    /** Regular expression tried on the caller's and the callee's number. */
    numberPattern: z.string().refine(isRegExp, 'must be a valid regular expression').optional(),
  })
  .strict()
  .refine(
    (match) =>
      match.all !== undefined ||
      match.campaigns !== undefined ||
      match.inGroups !== undefined ||
      match.agents !== undefined ||
      match.callTypes !== undefined ||
      match.numberPattern !== undefined,
    'must name all: true, campaigns, inGroups, agents, callTypes or numberPattern',
  )
  .refine(
    (match) =>
      match.all === undefined ||
      (match.campaigns === undefined &&
        match.inGroups === undefined &&
        match.agents === undefined &&
        match.callTypes === undefined &&
        match.numberPattern === undefined),
    'all: true cannot be combined with other criteria',
  );

export const egressRouteSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]'),
    match: egressRouteMatchSchema,
    /**
     * Calls of the replay tool: `include` them like live calls (the default), `exclude` them (a
     * production backend), or take `only` them (a model under test).
     */
    replays: z.enum(REPLAY_CHOICES).default('include'),
    targets: z.array(egressTargetConfigSchema).min(1).max(16),
  })
  .strict();

export const egressRoutesSchema = z
  .array(egressRouteSchema)
  .max(256)
  .refine(
    (routes) => new Set(routes.map((route) => route.name)).size === routes.length,
    'route names must be unique',
  );

/**
 * `clientId=token` (every call) or `clientId:CAMPAIGN|CAMPAIGN=token` (the calls of those VICIdial
 * campaigns only): the id names the client in events and logs, the token never appears.
 */
const inboundTokenEntry = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,20}(\|[A-Za-z0-9_-]{1,20})*)?=\S{16,}$/,
    'must be clientId=token or clientId:CAMPAIGN|CAMPAIGN=token, with a token of 16+ characters',
  )
  .transform((entry) => {
    const split = entry.indexOf('=');
    const [clientId, scope] = entry.slice(0, split).split(':');
    return {
      clientId,
      token: entry.slice(split + 1),
      ...(scope === undefined ? {} : { campaigns: scope.split('|') }),
    };
  });

export const streamEgressEnv = {
  ...serviceEnv(3004),
  ...natsEnv,
  /** Which calls go to which WebSocket backends: a JSON array of routes. */
  EGRESS_ROUTES: envJson(egressRoutesSchema).default([]),
  /**
   * Clients allowed on /v1/streams, comma-separated: `clientId=token` may open any call,
   * `clientId:SALES|RENEW=token` only calls of those campaigns. Unset: no inbound streams.
   */
  EGRESS_INBOUND_TOKENS: envList(inboundTokenEntry)
    .refine(
      (entries) => new Set(entries.map((e) => e.clientId)).size === entries.length,
      'client ids must be unique',
    )
    .optional(),
  /** Most inbound WebSocket clients connected at once. */
  EGRESS_INBOUND_MAX_CLIENTS: envInteger({ min: 1, max: 100_000 }).default(1000),
  /** CA bundle (PEM) trusted for wss:// backends, on top of the system's. */
  EGRESS_TLS_CA_FILE: envString().optional(),
  /** Media messages held per stream while its backend is slow; older ones are dropped beyond it. */
  EGRESS_QUEUE_MAX_FRAMES: envInteger({ min: 1, max: 10_000 }).default(100),
  /** Bytes a stream's socket may hold unsent before new messages wait in the queue. */
  EGRESS_SOCKET_HIGH_WATER_BYTES: envInteger({ min: 1024, max: 16 * 1024 * 1024 }).default(
    64 * 1024,
  ),
  /** Longest WebSocket handshake with a backend. */
  EGRESS_CONNECT_TIMEOUT_MS: envInteger({ min: 100, max: 60_000 }).default(5000),
  /** Backoff between reconnects to a backend: from min, doubling, up to max (jittered). */
  EGRESS_RECONNECT_MIN_MS: envInteger({ min: 10, max: 60_000 }).default(250),
  EGRESS_RECONNECT_MAX_MS: envInteger({ min: 10, max: 300_000 }).default(10_000),
  /** Lifetime of a replica's lease in NATS KV; its streams are taken over this long after it dies. */
  EGRESS_CLAIM_LEASE_MS: envInteger({ min: 1000, max: 120_000 }).default(10_000),
  /** Call events replayed at start to learn which calls are live (longest call expected). */
  EGRESS_EVENTS_REPLAY_MINUTES: envInteger({ min: 0, max: 7 * 24 * 60 }).default(240),
  /** `accountSid` of the Twilio-format messages. */
  EGRESS_TWILIO_ACCOUNT_SID: envString()
    .refine((value) => /^[A-Za-z0-9_-]{1,64}$/.test(value), 'must be 1-64 of [A-Za-z0-9_-]')
    .default(`AC${'0'.repeat(32)}`),
};

export type StreamEgressEnv = EnvOf<typeof streamEgressEnv>;
export type EgressRouteConfig = z.output<typeof egressRouteSchema>;
export type EgressTargetConfig = z.output<typeof egressTargetConfigSchema>;
export type EgressRouteMatch = z.output<typeof egressRouteMatchSchema>;

/** A target with its secrets resolved from the environment. */
export type ResolvedTarget = Omit<
  EgressTargetConfig,
  'bearerTokenEnv' | 'hmacSecretEnv' | 'bearerToken' | 'hmacSecret'
> & {
  bearerToken?: string;
  hmacSecret?: string;
};

export interface ResolvedRoute extends Omit<EgressRouteConfig, 'targets'> {
  targets: ResolvedTarget[];
}

export type StreamEgressConfig = Omit<StreamEgressEnv, 'EGRESS_ROUTES'> & {
  EGRESS_ROUTES: ResolvedRoute[];
};

function readable(path: string): string | undefined {
  try {
    readFileSync(path);
    return undefined;
  } catch (error) {
    return `cannot read ${path}: ${(error as Error).message}`;
  }
}

/** loadConfig plus what needs more than one field: secrets from other variables, files, ranges. */
export function loadStreamEgressConfig(options: LoadConfigOptions = {}): StreamEgressConfig {
  const env = loadConfig(streamEgressEnv, options);
  const vars = options.env ?? process.env;
  const problems: ConfigProblem[] = [];
  if (env.EGRESS_RECONNECT_MIN_MS > env.EGRESS_RECONNECT_MAX_MS) {
    problems.push({
      variable: 'EGRESS_RECONNECT_MIN_MS',
      message: `must not exceed EGRESS_RECONNECT_MAX_MS (${env.EGRESS_RECONNECT_MIN_MS} > ${env.EGRESS_RECONNECT_MAX_MS})`,
    });
  }
  if (env.EGRESS_TLS_CA_FILE) {
    const problem = readable(env.EGRESS_TLS_CA_FILE);
    if (problem) problems.push({ variable: 'EGRESS_TLS_CA_FILE', message: problem });
  }
  const routes = env.EGRESS_ROUTES.map((route, r): ResolvedRoute => {
    const targets = route.targets.map((target, t): ResolvedTarget => {
      const at = `EGRESS_ROUTES.${r}.targets.${t}`;
      const secret = (inline?: string, fromEnv?: string, field?: string): string | undefined => {
        if (inline && fromEnv) {
          problems.push({ variable: `${at}.${field}`, message: `give ${field} or ${field}Env` });
        }
        if (!fromEnv) return inline;
        const value = vars[fromEnv]?.trim();
        if (!value) {
          problems.push({
            variable: `${at}.${field}Env`,
            message: `names ${fromEnv}, which is not set`,
          });
        }
        return value;
      };
      const bearerToken = secret(target.bearerToken, target.bearerTokenEnv, 'bearerToken');
      const hmacSecret = secret(target.hmacSecret, target.hmacSecretEnv, 'hmacSecret');
      if (hmacSecret !== undefined && hmacSecret.length < 16) {
        problems.push({ variable: `${at}.hmacSecret`, message: 'must be at least 16 characters' });
      }
      if ((bearerToken || hmacSecret) && target.url.startsWith('ws:') && !target.allowPlainWs) {
        problems.push({
          variable: `${at}.url`,
          message:
            'would send the bearer token or signature unencrypted: use wss://, or set allowPlainWs: true for a backend on this host or an encrypted network',
        });
      }
      if (target.caFile) {
        const problem = readable(target.caFile);
        if (problem) problems.push({ variable: `${at}.caFile`, message: problem });
      }
      const resolved: ResolvedTarget = {
        url: target.url,
        format: target.format,
        tracks: [...new Set(target.tracks)],
        sampleRate: target.sampleRate,
        mixType: target.mixType,
        headers: target.headers,
        caFile: target.caFile,
      };
      if (bearerToken) resolved.bearerToken = bearerToken;
      if (hmacSecret) resolved.hmacSecret = hmacSecret;
      return resolved;
    });
    return { ...route, targets };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...env, EGRESS_ROUTES: routes };
}
