import type { CallEvent } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { AriChannel, AriEvent } from '../../ari/ari-model';
import type { AriSession } from '../../ari/ari-session';
import { loadAriIngestConfig } from '../../config/ari-ingest.config';
import type { CallEventSink } from '../../events/call-event-sink';
import { TapPolicy } from '../../policy/tap-policy';
import type { TapHandle } from '../../tap/tap-handle';
import type { TapOrchestrator } from '../../tap/tap-orchestrator.service';
import { StasisArrivals } from '../../tap/stasis-arrivals';
import type { CallRegistry } from '../call-registry';
import { CallTracker } from '../call-tracker.service';

/** A CallTracker with what it publishes recorded; taps are set up by a fake that never finishes. */
export function trackerWith(env: Record<string, string> = {}) {
  const config = loadAriIngestConfig({
    env: {
      NATS_SERVERS: 'nats://nats:4222',
      ARI_SERVERS: 'pbx1=http://127.0.0.1:8088',
      ARI_PASSWORD: 'secret',
      ...env,
    },
  });
  const published: CallEvent[] = [];
  const sink = { emit: async (event: CallEvent) => void published.push(event) };
  const registry = { remember: async () => undefined, forget: async () => undefined };
  const taps = {
    start: (_session: AriSession, _call: unknown, track: TapHandle['track']): TapHandle => ({
      track,
      ids: { snoop: 'asb-s-1', externalMedia: 'asb-e-1', bridge: 'asb-b-1' },
      ready: new Promise<boolean>(() => undefined),
      running: false,
      stopped: false,
      quickLosses: 0,
      cancel: new AbortController(),
    }),
    stop: async () => undefined,
    mediaGone: () => false,
  };
  const policy = new TapPolicy(config);
  const tracker = new CallTracker(
    config,
    policy,
    taps as unknown as TapOrchestrator,
    sink as unknown as CallEventSink,
    registry as unknown as CallRegistry,
    new MetricsRegistry('call-tracker-spec', false),
  );
  const session = {
    server: 'pbx1',
    asteriskId: '02:fc:00:00:00:01',
    arrivals: new StasisArrivals(),
  } as unknown as AriSession;
  const play = (type: string, channel: AriChannel, timestamp?: string) =>
    tracker.handle(session, { type, channel, timestamp } satisfies AriEvent);
  return {
    play,
    published,
    tracker,
    policy,
    config,
    session,
    sink: sink as unknown as CallEventSink,
  };
}

export function channel(overrides: Partial<AriChannel> & Pick<AriChannel, 'state'>): AriChannel {
  return {
    id: '1795533218.11',
    name: 'SIP/carrier-0000000b',
    caller: { name: '', number: '' },
    connected: { name: '', number: '' },
    dialplan: { context: 'trunkinbound', exten: 's', priority: 1, app_name: '' },
    ...overrides,
  };
}
