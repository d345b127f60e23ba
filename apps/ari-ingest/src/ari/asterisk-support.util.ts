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

/** Modules a tap needs, and what for. */
const REQUIRED_MODULES: ReadonlyArray<[string, string]> = [
  ['res_stasis_snoop.so', 'snoop channels (each tapped track)'],
  ['chan_rtp.so', 'externalMedia (the UnicastRTP channel that carries a tap to the gateway)'],
];

/** externalMedia came with Asterisk 16.6 (and 17.0). */
const EXTERNAL_MEDIA_SINCE = { major: 16, minor: 6 };

/**
 * Whether the bridge can tap calls on a server: its version must have externalMedia, and the
 * modules snoop and externalMedia run on must be loaded. `modules` is undefined when the server
 * does not list them (then the version alone decides). A version that does not read as
 * major.minor (a build from Git) is taken as recent.
 */
export function judgeAsteriskSupport(
  version: string,
  modules: AsteriskModule[] | undefined,
): AsteriskSupport {
  const problems: string[] = [];
  const parsed = /^(\d+)\.(\d+)/.exec(version);
  if (parsed) {
    const [major, minor] = [Number(parsed[1]), Number(parsed[2])];
    const tooOld =
      major < EXTERNAL_MEDIA_SINCE.major ||
      (major === EXTERNAL_MEDIA_SINCE.major && minor < EXTERNAL_MEDIA_SINCE.minor);
    if (tooOld) {
      problems.push(
        `Asterisk ${version} has no externalMedia (needs 16.6 or later; VICIdial's ViciBox 12 runs 18)`,
      );
    }
  }
  if (modules) {
    const running = new Set(
      modules.filter((m) => m.status.toLowerCase() === 'running').map((m) => m.name),
    );
    for (const [name, purpose] of REQUIRED_MODULES) {
      if (!running.has(name)) problems.push(`module ${name} is not loaded; it runs ${purpose}`);
    }
  }
  return { supported: problems.length === 0, version, problems };
}
