import { Router } from 'express';
import type { AsteriskInstance } from '../../pbx/asterisk-instance';
import { handled } from './handled';

const STARTED = new Date().toISOString().replace('Z', '+0000');

export function asteriskRoutes(pbx: AsteriskInstance): Router {
  const router = Router();
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
      system: { version: '22.0.0-asterisk-sim', entity_id: pbx.asteriskId },
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
