import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connect, NatsConnection, Subscription } from 'nats';
import { Client } from 'pg';
import {
  callIdFromChannel,
  decodeTranscriptSegment,
  TRANSCRIPT_WILDCARD,
  TranscriptSegment,
} from '@asb/contracts';
import { readWavPcm16 } from '@asb/rtp';
import { dropDatabase, eventually, freePort, freshDatabase, NatsTestServer } from '@asb/testing';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';
import { WorkerProcess } from './support/transcript-worker-process';
import { WORKSPACE_ROOT } from './support/workspace';

const FRAME = 160;
/** A 20 ms frame of a fixture above this level is speech: the fixtures' pauses are near silence. */
const SPEECH_DBFS = -45;

/** Per 20 ms frame of a simulator fixture: whether it holds speech. */
function speechFrames(voice: string): { frames: boolean[]; samples: number } {
  const samples = readWavPcm16(
    join(WORKSPACE_ROOT, `apps/asterisk-sim/fixtures/${voice}-8k.wav`),
  ).samples;
  const frames: boolean[] = [];
  for (let start = 0; start < samples.length; start += FRAME) {
    let sum = 0;
    const end = Math.min(start + FRAME, samples.length);
    for (let i = start; i < end; i += 1) sum += samples[i] * samples[i];
    frames.push(10 * Math.log10(sum / (end - start) / 32768 ** 2 + 1e-12) > SPEECH_DBFS);
  }
  return { frames, samples: samples.length };
}

describe('the example transcript worker: two workers, the simulator, the bridge and call-logger', () => {
  const database = `asb_e2e_transcripts_${process.pid}_${randomBytes(3).toString('hex')}`;
  let nats: NatsTestServer;
  let stack: BridgeStack;
  let recorders: NatsRecorders;
  let nc: NatsConnection;
  let db: Client;
  let transcripts: Subscription;
  const workers: WorkerProcess[] = [];
  const segments: TranscriptSegment[] = [];
  const invalid: string[] = [];
  let calls: ScenarioCall[] = [];
  const answeredIds = () =>
    calls
      .filter((call) => call.answeredAt)
      .map((c) => callIdFromChannel(c.server, c.trunkChannelId));

  beforeAll(async () => {
    nats = new NatsTestServer(await freePort());
    await nats.start();
    const url = await freshDatabase(database);
    stack = new BridgeStack({
      servers: ['pbx1'],
      natsUrl: nats.url,
      callLogger: { DATABASE_URL: url, RECORDINGS_ENABLED: 'false' },
    });
    recorders = await new NatsRecorders(nats.url).start();
    nc = await connect({ servers: nats.url });
    transcripts = nc.subscribe(TRANSCRIPT_WILDCARD, {
      callback: (_error, message) => {
        try {
          segments.push(decodeTranscriptSegment(message.subject, message.data));
        } catch (error) {
          invalid.push(`${message.subject}: ${(error as Error).message}`);
        }
      },
    });
    db = new Client({ connectionString: url });
    await db.connect();
    await stack.start();
    workers.push(new WorkerProcess('worker-a', nats.url), new WorkerProcess('worker-b', nats.url));
    await Promise.all(workers.map((worker) => worker.ready()));

    calls = await stack.runScenario(
      {
        totalCalls: 6,
        concurrency: 6,
        arrivalRate: 3,
        ringMs: { min: 200, max: 400 },
        talkMs: { min: 6000, max: 8000 },
        answerRatio: 1,
        seed: 18,
      },
      90_000,
    );
    // Every worker that worked a call says so once its finals are out.
    await eventually(
      () =>
        answeredIds().every((id) =>
          workers.some((worker) => worker.said('finished').some((line) => line['callId'] === id)),
        ),
      30_000,
      'every answered call finished by a worker',
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    transcripts?.unsubscribe();
    await nc?.drain().catch(() => undefined);
    await recorders?.stop();
    await stack?.stop();
    stack?.kill();
    await db?.end();
    await nats?.dispose();
    await dropDatabase(database);
  });

  it('has each call claimed by exactly one worker, the other seeing it held', () => {
    expect(answeredIds().length).toBe(6);
    for (const callId of answeredIds()) {
      const claimedBy = workers.filter((worker) =>
        worker.said('claimed').some((line) => line['callId'] === callId),
      );
      const heldElsewhere = workers.filter((worker) =>
        worker.said('claimed by another worker').some((line) => line['callId'] === callId),
      );
      expect({ callId, claimedBy: claimedBy.length, heldElsewhere: heldElsewhere.length }).toEqual({
        callId,
        claimedBy: 1,
        heldElsewhere: 1,
      });
    }
  });

  it('publishes only contract-valid segments: partials then one final per segment, empty text, speech-activity', () => {
    expect(invalid).toEqual([]);
    for (const callId of answeredIds()) {
      for (const track of ['caller', 'agent'] as const) {
        const ofTrack = segments.filter((s) => s.callId === callId && s.track === track);
        const finals = ofTrack.filter((s) => s.kind === 'final');
        expect({ callId, track, finals: finals.length > 0 }).toEqual({
          callId,
          track,
          finals: true,
        });
        expect(new Set(finals.map((s) => s.segmentId)).size).toBe(finals.length);
        for (const segment of ofTrack) {
          expect(segment).toMatchObject({ text: '', producer: { name: 'speech-activity' } });
          expect(finals.some((final) => final.segmentId === segment.segmentId)).toBe(true);
        }
      }
    }
  });

  it("places the finals where the simulator's audio has speech, and misses little of it", () => {
    for (const [track, voice] of [
      ['caller', 'caller'],
      ['agent', 'agent'],
    ] as const) {
      const reference = speechFrames(voice);
      const isSpeech = (sample: number) =>
        reference.frames[Math.floor((sample % reference.samples) / FRAME)] ?? false;
      for (const callId of answeredIds()) {
        const finals = segments.filter(
          (s) => s.callId === callId && s.track === track && s.kind === 'final',
        );
        // Within each final the fixture speaks most of the time, and no pause of the fixture
        // as long as the 0.6 s silence between its loops lies inside one: the finals end and
        // start where the speech does (pauses between words, shorter, stay inside).
        for (const final of finals) {
          let speech = 0;
          let all = 0;
          let silentRun = 0;
          let longestSilentRun = 0;
          for (let at = final.span.startSample; at < final.span.endSample; at += FRAME) {
            all += 1;
            silentRun = isSpeech(at) ? 0 : silentRun + 1;
            if (isSpeech(at)) speech += 1;
            longestSilentRun = Math.max(longestSilentRun, silentRun);
          }
          expect({
            callId,
            track,
            at: final.span.startSample,
            speechShare: speech / all > 0.6,
            pauseUnder400Ms: longestSilentRun * 20 < 400,
          }).toEqual({
            callId,
            track,
            at: final.span.startSample,
            speechShare: true,
            pauseUnder400Ms: true,
          });
        }
        // Of the speech the track carried, the finals cover nearly all.
        const heard = recorders.audio.get(`audio.v1.${callId}.${track}`)?.timestamps ?? [];
        const spoken = heard.filter(isSpeech);
        const covered = spoken.filter((at) =>
          finals.some((final) => at >= final.span.startSample && at < final.span.endSample),
        );
        expect({ callId, track, coverage: covered.length / spoken.length > 0.85 }).toEqual({
          callId,
          track,
          coverage: true,
        });
      }
    }
  });

  it('has call-logger store every final, and no partial', async () => {
    const finals = segments.filter((s) => s.kind === 'final');
    await eventually(
      async () =>
        Number(
          (
            await db.query(`SELECT count(*) FROM transcript_segments WHERE call_id = ANY($1)`, [
              answeredIds(),
            ])
          ).rows[0].count,
        ) === finals.length,
      20_000,
      'every final in transcript_segments',
    );
    const rows = (
      await db.query<{ segment_id: string; start_sample: string; track: string }>(
        `SELECT segment_id, start_sample, track FROM transcript_segments WHERE call_id = ANY($1)`,
        [answeredIds()],
      )
    ).rows;
    expect(new Set(rows.map((row) => row.segment_id))).toEqual(
      new Set(finals.map((final) => final.segmentId)),
    );
  });

  it('has the workers free their claims at the end of each call', async () => {
    const kv = await nc.jetstream().views.kv('ai_worker_claims');
    const left: string[] = [];
    for await (const key of await kv.keys()) left.push(key);
    expect(left.filter((key) => answeredIds().includes(key))).toEqual([]);
  });

  it('has the other worker take over the calls of a worker that died, within the lease', async () => {
    const scenario = await stack.startScenario({
      totalCalls: 2,
      concurrency: 2,
      arrivalRate: 10,
      ringMs: { min: 200, max: 300 },
      talkMs: { min: 12_000, max: 12_000 },
      answerRatio: 1,
      seed: 81,
    });
    const claimedAfter = (worker: WorkerProcess, known: Set<string>) =>
      worker.said('claimed').filter((line) => !known.has(line['callId'] as string));
    const before = new Set(answeredIds());
    await eventually(
      () => workers.reduce((sum, worker) => sum + claimedAfter(worker, before).length, 0) === 2,
      20_000,
      'both new calls claimed',
    );
    const [victim, survivor] =
      claimedAfter(workers[0], before).length > 0 ? workers : [workers[1], workers[0]];
    const orphaned = claimedAfter(victim, before).map((line) => line['callId'] as string);
    const killedAt = Date.now();
    await victim.kill();
    await eventually(
      () =>
        orphaned.every((callId) =>
          survivor
            .said('took over a claim whose holder is gone')
            .some((line) => line['callId'] === callId),
        ),
      10_000,
      `the survivor taking over ${orphaned.join(', ')}`,
    );
    // Within the 3 s lease and a renewal beat of it; and it works the calls: its segments come.
    expect(Date.now() - killedAt).toBeLessThan(6000);
    const tookOverAt = Date.now();
    await eventually(
      () =>
        orphaned.every((callId) =>
          segments.some((s) => s.callId === callId && Date.parse(s.occurredAt) > tookOverAt),
        ),
      10_000,
      'segments of the orphaned calls from the survivor',
    );
    await stack.finishScenario(scenario, 60_000);
  }, 90_000);
});
