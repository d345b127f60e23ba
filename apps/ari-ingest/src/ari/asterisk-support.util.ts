import type { TapTransport } from '@asb/contracts';

/** One loaded module as `GET /asterisk/modules` lists it. */
export interface AsteriskModule {
  name: string;
  status: string;
}

export interface AsteriskSupport {
  supported: boolean;
  /** The server's version as it states it, e.g. `18.26.4-vici`. */
  version: string;
  /** What is missing, each naming what needs it; empty when supported. */
  problems: string[];
}

/** Modules a tap needs over each transport, and what for. */
const REQUIRED_MODULES: Readonly<Record<TapTransport, ReadonlyArray<[string, string]>>> = {
  rtp: [
    ['res_stasis_snoop.so', 'snoop channels (each tapped track)'],
    ['chan_rtp.so', 'externalMedia (the UnicastRTP channel that carries a tap to the gateway)'],
  ],
  audiosocket: [
    ['res_stasis_snoop.so', 'snoop channels (each tapped track)'],
    [
      'chan_audiosocket.so',
      'externalMedia over AudioSocket (the channel that carries a tap to the gateways over TCP)',
    ],
  ],
};

/** externalMedia came with Asterisk 16.6 (and 17.0); its AudioSocket encapsulation with 18. */
const EXTERNAL_MEDIA_SINCE: Readonly<
  Record<TapTransport, { major: number; minor: number; needs: string }>
> = {
  rtp: { major: 16, minor: 6, needs: 'externalMedia (needs 16.6 or later' },
  audiosocket: { major: 18, minor: 0, needs: 'externalMedia over AudioSocket (needs 18 or later' },
};

/**
 * Whether the bridge can tap calls on a server over `transport`: its version must have
 * externalMedia (with AudioSocket, for that transport), and the modules snoop and externalMedia
 * run on must be loaded. `modules` is undefined when the server does not list them (then the
 * version alone decides). A version that does not read as major.minor (a build from Git) is
 * taken as recent.
 */
export function judgeAsteriskSupport(
  version: string,
  modules: AsteriskModule[] | undefined,
  transport: TapTransport = 'rtp',
): AsteriskSupport {
  const problems: string[] = [];
  const parsed = /^(\d+)\.(\d+)/.exec(version);
  const since = EXTERNAL_MEDIA_SINCE[transport];
  if (parsed) {
    const [major, minor] = [Number(parsed[1]), Number(parsed[2])];
    const tooOld = major < since.major || (major === since.major && minor < since.minor);
    if (tooOld) {
      problems.push(`Asterisk ${version} has no ${since.needs}; VICIdial's ViciBox 12 runs 18)`);
    }
  }
  if (modules) {
    const running = new Set(
      modules.filter((m) => m.status.toLowerCase() === 'running').map((m) => m.name),
    );
    for (const [name, purpose] of REQUIRED_MODULES[transport]) {
      if (!running.has(name)) problems.push(`module ${name} is not loaded; it runs ${purpose}`);
    }
  }
  return { supported: problems.length === 0, version, problems };
}
