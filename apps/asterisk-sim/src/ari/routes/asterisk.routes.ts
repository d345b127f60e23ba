import { Router } from 'express';
import type { AsteriskInstance } from '../../pbx/asterisk-instance';
import { handled } from './handled';

const STARTED = new Date().toISOString().replace('Z', '+0000');

/** What a simulated server presents itself as. */
export interface AsteriskIdentity {
  /** `system.version` of /asterisk/info, e.g. `18.26.4-vici` (ViciBox 12) or `22.6.0`. */
  version: string;
  /** Modules reported as not loaded (e.g. `chan_rtp.so`), to look like a server that lacks them. */
  missingModules: string[];
}

export const ASTERISK_18_VICIBOX: AsteriskIdentity = {
  version: '18.26.4-vici',
  missingModules: [],
};

/**
 * Modules of a stock Asterisk that ARI, snoop and externalMedia (RTP and AudioSocket) run on, as
 * 18 and 22 list them.
 */
const MODULES = [
  ['res_ari.so', 'Asterisk RESTful Interface', 'core'],
  ['res_ari_channels.so', 'RESTful API module - Channel resources', 'core'],
  ['res_ari_bridges.so', 'RESTful API module - Bridge resources', 'core'],
  ['res_ari_applications.so', 'RESTful API module - Stasis application resources', 'core'],
  ['res_ari_asterisk.so', 'RESTful API module - Asterisk resources', 'core'],
  ['res_ari_events.so', 'RESTful API module - WebSocket resource', 'core'],
  ['res_stasis.so', 'Stasis application support', 'core'],
  ['res_stasis_snoop.so', 'Stasis application snoop support', 'extended'],
  ['chan_rtp.so', 'RTP Media Channel', 'core'],
  ['res_audiosocket.so', 'AudioSocket support', 'extended'],
  ['chan_audiosocket.so', 'AudioSocket Channel', 'extended'],
  ['bridge_simple.so', 'Simple two channel bridging module', 'core'],
  ['bridge_softmix.so', 'Multi-party software based channel mixing', 'core'],
  ['app_confbridge.so', 'Conference Bridge Application', 'core'],
] as const;

export function asteriskRoutes(
  pbx: AsteriskInstance,
  identity: AsteriskIdentity = ASTERISK_18_VICIBOX,
): Router {
  const router = Router();
  router.get(
    '/asterisk/modules',
    handled(() =>
      MODULES.filter(([name]) => !identity.missingModules.includes(name)).map(
        ([name, description, support_level]) => ({
          name,
          description,
          use_count: 0,
          status: 'Running',
          support_level,
        }),
      ),
    ),
  );
  router.get(
    '/asterisk/info',
    handled(() => ({
      build: {
        os: 'Linux',
        kernel: 'asterisk-sim',
        machine: 'x86_64',
        options: '',
        date: '',
        user: 'asterisk-sim',
      },
      system: { version: identity.version, entity_id: pbx.asteriskId },
      config: {
        name: pbx.name,
        default_language: 'en',
        setid: { user: 'asterisk', group: 'asterisk' },
      },
      status: { startup_time: STARTED, last_reload_time: STARTED },
    })),
  );
  return router;
}
