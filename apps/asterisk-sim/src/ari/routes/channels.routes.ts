import { Router } from 'express';
import type { AsteriskInstance } from '../../pbx/asterisk-instance';
import { ariParams, pathParam } from '../ari-request';
import { handled } from './handled';

export function channelsRoutes(pbx: AsteriskInstance): Router {
  const router = Router();
  router.get(
    '/channels',
    handled(() => [...pbx.channels.values()].map((c) => c.toJSON())),
  );
  router.post(
    '/channels/externalMedia',
    handled(async (req) => (await pbx.externalMedia(ariParams(req))).toJSON()),
  );
  router.get(
    '/channels/:channelId',
    handled((req) => pbx.channel(pathParam(req, 'channelId')).toJSON()),
  );
  router.delete(
    '/channels/:channelId',
    handled((req) => {
      const params = ariParams(req);
      pbx.hangup(
        pathParam(req, 'channelId'),
        params['reason_code'] ? Number(params['reason_code']) : 16,
      );
    }),
  );
  router.get(
    '/channels/:channelId/variable',
    handled((req) => ({
      value: pbx.getVariable(pathParam(req, 'channelId'), ariParams(req)['variable']),
    })),
  );
  router.post(
    '/channels/:channelId/variable',
    handled((req) => {
      const params = ariParams(req);
      pbx.setVariable(pathParam(req, 'channelId'), params['variable'], params['value'] ?? '');
    }),
  );
  router.post(
    '/channels/:channelId/snoop',
    handled((req) => pbx.snoop(pathParam(req, 'channelId'), ariParams(req)).toJSON()),
  );
  router.post(
    '/channels/:channelId/snoop/:snoopId',
    handled((req) =>
      pbx
        .snoop(pathParam(req, 'channelId'), {
          ...ariParams(req),
          snoopId: pathParam(req, 'snoopId'),
        })
        .toJSON(),
    ),
  );
  return router;
}
