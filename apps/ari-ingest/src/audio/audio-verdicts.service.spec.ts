import type { Msg, NatsConnection } from 'nats';
import {
  CallEvent,
  SCHEMA_VERSION,
  StreamStats,
  encodeJson,
  statsSubject,
  streamStatsSchema,
  STREAM_STATS_MAX_BYTES,
} from '@asb/contracts';
import type { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { CallTracker } from '../calls/call-tracker.service';
import { loadAriIngestConfig } from '../config/ari-ingest.config';
import { CallEventSink } from '../events/call-event-sink';
import { statsSample } from './__tests__/stats-sample';
import { AudioVerdicts } from './audio-verdicts.service';

const base = {
  schemaVersion: SCHEMA_VERSION,
  callId: 'pbx1-1-1',
  server: 'pbx1',
  channelId: '1.1',
  channelName: 'SIP/carrier-1',
};

function sample(second: number, signalMs = 0): StreamStats {
  return statsSample({
    callId: base.callId,
    track: 'agent',
    runId: 'run-1',
    sampledAt: new Date(Date.UTC(2026, 11, 4, 12, 0, second)).toISOString(),
    packets: 50 * second,
    levelDbfs: -100,
    audio: {
      analysedMs: 1000 * second,
      signalMs,
      speechMs: 0,
      clippedSamples: 0,
      dcOffset: 0,
      clipping: false,
    },
  });
}

describe('AudioVerdicts', () => {
  it('judges only the calls this instance still follows: a call it no longer leads gets no verdict from it', async () => {
    const published: CallEvent[] = [];
    const metrics = new MetricsRegistry('audio-verdicts-spec', false);
    const sink = new CallEventSink(
      { publish: async (event: CallEvent) => void published.push(event) } as never,
      metrics,
    );
    let deliver: (message: Msg) => void = () => undefined;
    const nc = {
      subscribe: (_subject: string, options: { callback: (e: unknown, m: Msg) => void }) => {
        deliver = (message) => options.callback(null, message);
        return { unsubscribe: () => undefined };
      },
    } as unknown as NatsConnection;
    let followed = true;
    const tracker = {
      follows: () => followed,
      notePlacement: () => undefined,
    } as unknown as CallTracker;
    const verdicts = new AudioVerdicts(
      loadAriIngestConfig({
        env: {
          ARI_SERVERS: 'pbx1=http://127.0.0.1:8088',
          NATS_SERVERS: 'nats://127.0.0.1:1',
          ARI_PASSWORD: 'secret',
          AUDIO_SILENT_TRACK_AFTER_S: '3',
        },
      }),
      { connected: Promise.resolve(nc) } as unknown as NatsClient,
      sink,
      tracker,
      metrics,
    );
    verdicts.onApplicationBootstrap();
    await Promise.resolve();
    await sink.emit({
      ...base,
      eventId: crypto.randomUUID(),
      occurredAt: new Date().toISOString(),
      event: 'answered',
    });
    const send = (second: number, signalMs = 0) =>
      deliver({
        subject: statsSubject(base.callId, 'agent'),
        data: encodeJson(streamStatsSchema, sample(second, signalMs), STREAM_STATS_MAX_BYTES),
      } as Msg);

    for (let second = 1; second <= 5; second += 1) send(second);
    await sink.flush();
    expect(
      published.filter((e) => e.event === 'audio_verdict').map((e) => 'verdict' in e && e.verdict),
    ).toEqual(['silent_track']);

    // Leadership went elsewhere: the tracker forgot the call without an end. The line comes
    // back, which the instance that leads the call now reports, not this one.
    followed = false;
    published.length = 0;
    for (let second = 6; second <= 20; second += 1) send(second, (second - 5) * 1000);
    await sink.flush();
    expect(published).toEqual([]);
    verdicts.beforeApplicationShutdown();
  });
});
