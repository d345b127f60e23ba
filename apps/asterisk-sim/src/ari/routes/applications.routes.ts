import { Router } from 'express';
import type { AsteriskInstance } from '../../pbx/asterisk-instance';
import { AriError } from '../../pbx/ari-error';
import type { EventFilter } from '../../pbx/stasis-application';
import { ariList, ariParams, pathParam } from '../ari-request';
import { handled } from './handled';

function parseFilter(body: unknown): EventFilter {
  const source =
    body && typeof body === 'object' ? ((body as { filter?: unknown }).filter ?? body) : {};
  const list = (value: unknown): Array<{ type: string }> => {
    if (value === undefined) return [];
    if (
      !Array.isArray(value) ||
      !value.every(
        (f) => f && typeof f === 'object' && typeof (f as { type?: unknown }).type === 'string',
      )
    ) {
      throw AriError.badRequest('Invalid format definition for event filter');
    }
    return value.map((f: { type: string }) => ({ type: f.type }));
  };
  const { allowed, disallowed } = source as { allowed?: unknown; disallowed?: unknown };
  return { allowed: list(allowed), disallowed: list(disallowed) };
}

export function applicationsRoutes(pbx: AsteriskInstance): Router {
  const router = Router();
  router.get(
    '/applications',
    handled(() => pbx.connectedApps().map((a) => a.toJSON())),
  );
  router.get(
    '/applications/:applicationName',
    handled((req) => pbx.application(pathParam(req, 'applicationName')).toJSON()),
  );
  const subscription = (subscribe: boolean) =>
    handled((req) => {
      const sources = ariList(ariParams(req)['eventSource']);
      if (sources.length === 0) throw AriError.badRequest('Missing parameter eventSource');
      return pbx.subscribe(pathParam(req, 'applicationName'), sources, subscribe).toJSON();
    });
  router.post('/applications/:applicationName/subscription', subscription(true));
  router.delete('/applications/:applicationName/subscription', subscription(false));
  router.put(
    '/applications/:applicationName/eventFilter',
    handled((req) => {
      const app = pbx.application(pathParam(req, 'applicationName'));
      app.filter = parseFilter(req.body);
      return app.toJSON();
    }),
  );
  return router;
}
