import { Router } from 'express';
import type { AsteriskInstance } from '../../pbx/asterisk-instance';
import { ariList, ariParams, pathParam } from '../ari-request';
import { handled } from './handled';

/** Bridges created through ARI belong to the app that asked; ari-client does not say which, so none. */
export function bridgesRoutes(pbx: AsteriskInstance): Router {
  const router = Router();
  router.get(
    '/bridges',
    handled(() => [...pbx.bridges.values()].map((b) => b.toJSON())),
  );
  router.post(
    '/bridges',
    handled((req) => pbx.createBridge(ariParams(req)).toJSON()),
  );
  router.post(
    '/bridges/:bridgeId',
    handled((req) =>
      pbx.createBridge({ ...ariParams(req), bridgeId: pathParam(req, 'bridgeId') }).toJSON(),
    ),
  );
  router.get(
    '/bridges/:bridgeId',
    handled((req) => pbx.bridge(pathParam(req, 'bridgeId')).toJSON()),
  );
  router.delete(
    '/bridges/:bridgeId',
    handled((req) => pbx.destroyBridge(pathParam(req, 'bridgeId'))),
  );
  router.post(
    '/bridges/:bridgeId/addChannel',
    handled((req) =>
      pbx.addChannels(pathParam(req, 'bridgeId'), ariList(ariParams(req)['channel'])),
    ),
  );
  router.post(
    '/bridges/:bridgeId/removeChannel',
    handled((req) =>
      pbx.removeChannels(pathParam(req, 'bridgeId'), ariList(ariParams(req)['channel'])),
    ),
  );
  return router;
}
