import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AudioTrack, audioSubject, callIdFromChannel } from '@asb/contracts';
import { readWavPcm16Channels } from '@asb/rtp';
import { dropDatabase, eventually, freePort, freshDatabase, NatsTestServer } from '@asb/testing';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { FastApiReceiver } from './support/fastapi-receiver';
import { NatsRecorders } from './support/nats-recorders';
import { distMain } from './support/workspace';

interface RecordingRow {
  path: string;
  sample_rate: number;
  tracks: Array<{ track: string; channel: number; offsetSamples: number; frames: number }>;
}

/** Runs the built replay tool as an operator would, with its output for the failure message. */
function runReplayTool(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [distMain('replay'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** A track's frames, one after the other. */
function concat(frames: Int16Array[]): Int16Array {
  const all = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const frame of frames) {
    all.set(frame, at);
    at += frame.length;
  }
  return all;
}

/** Where `part` lies in `whole`, sample-exact, or -1. */
function indexOfSamples(whole: Int16Array, part: Int16Array, probe = 400): number {
  const head = part.subarray(0, probe);
  for (let i = 0; i + part.length <= whole.length; i += 1) {
    let j = 0;
    while (j < head.length && whole[i + j] === head[j]) j += 1;
    if (j === head.length && part.every((s, k) => whole[i + k] === s)) return i;
  }
  return -1;
}

/**
 * A call is placed on the simulator, tapped and recorded by call-logger; the replay tool then
 * plays the recording back, and a NATS subscriber and the FastAPI example (through stream-egress)
 * receive it as a live call, marked as a replay, with the recording's samples.
 */
describe('replay: a recorded call played back onto NATS -> subscribers and stream-egress', () => {
  const database = `asb_e2e_replay_${process.pid}_${randomBytes(3).toString('hex')}`;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-e2e-replay-'));
  const receiver = new FastApiReceiver();
  let nats: NatsTestServer;
  let stack: BridgeStack;
  let recorders: NatsRecorders;
  let db: Client;
  let databaseUrl: string;
  let recorded: ScenarioCall;
  let recordedId: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabase(database);
    nats = new NatsTestServer(await freePort());
    await nats.start();
    await receiver.start();
    stack = new BridgeStack({
      servers: ['pbx1'],
      natsUrl: nats.url,
      callLogger: { DATABASE_URL: databaseUrl, RECORDINGS_DIR: recordingsDir },
      streamEgress: receiver.egressSettings(),
    });
    await stack.start();
    recorders = await new NatsRecorders(nats.url).start();
    [recorded] = await stack.runScenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 10,
      ringMs: { min: 200, max: 300 },
      talkMs: { min: 4000, max: 4500 },
      answerRatio: 1,
      seed: 41,
    });
    recordedId = callIdFromChannel(recorded.server, recorded.trunkChannelId);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await eventually(
      async () =>
        (
          await db.query(`SELECT 1 FROM recordings WHERE call_id = $1 AND state = 'complete'`, [
            recordedId,
          ])
        ).rowCount === 1,
      30_000,
      'the recording of the call to complete',
    );
  }, 120_000);

  afterAll(async () => {
    await recorders?.stop();
    await stack?.stop();
    stack?.kill();
    receiver.stop();
    await db?.end();
    await nats?.dispose();
    await dropDatabase(database);
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('refuses bad arguments and names what is wrong', async () => {
    const { code, output } = await runReplayTool(['--call', 'a.b'], {});
    expect({ code, output }).toEqual({
      code: 64,
      output: expect.stringMatching(/--call takes a callId/),
    });
  });

  it('selects recorded calls by start time and campaign, and lists them in a dry run without publishing', async () => {
    const env = { NATS_SERVERS: nats.url, DATABASE_URL: databaseUrl };
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const listed = await runReplayTool(['--from', since, '--dry-run'], env);
    expect(listed).toEqual({
      code: 0,
      output: expect.stringContaining(`would replay ${recordedId} as ${recordedId}-r`),
    });
    const none = await runReplayTool(['--from', since, '--campaign', 'NO_SUCH_CAMPAIGN'], env);
    expect(none).toEqual({ code: 66, output: expect.stringMatching(/no recorded call matches/) });
    const later = await runReplayTool(
      [
        '--from',
        new Date(Date.now() + 60_000).toISOString(),
        '--to',
        new Date(Date.now() + 120_000).toISOString(),
      ],
      env,
    );
    expect(later.code).toBe(66);
  });

  it("plays the recording back under a new callId, marked, with the recording's samples, to NATS and to the FastAPI example", async () => {
    const { code, output } = await runReplayTool(['--call', recordedId, '--speed', '2'], {
      NATS_SERVERS: nats.url,
      DATABASE_URL: databaseUrl,
    });
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringMatching(/done: 1 replayed, 0 not/),
    });
    const replayedId = /as (\S+):/.exec(output)?.[1] as string;
    expect(replayedId).toMatch(new RegExp(`^${recordedId}-r[0-9a-z]{6}$`));

    // The events: the recorded call's, under the new id, each marked as a replay of it.
    await recorders.waitFor(
      () => recorders.eventsOf(replayedId).some((e) => e.event === 'ended'),
      20_000,
      "the replayed call's ended",
    );
    const replayed = recorders.eventsOf(replayedId);
    expect(replayed.every((e) => e.replay?.of === recordedId)).toBe(true);
    expect(replayed.map((e) => e.event)).toEqual(
      expect.arrayContaining(['started', 'answered', 'tap_started', 'tap_stopped', 'ended']),
    );

    // The audio: every track of the recording, sample for sample, in one run from 0.
    const recording = (
      await db.query<RecordingRow>(
        `SELECT path, sample_rate, tracks FROM recordings WHERE call_id = $1`,
        [recordedId],
      )
    ).rows[0];
    const wav = readWavPcm16Channels(recording.path);
    const frameSamples = recording.sample_rate / 50;
    for (const track of recording.tracks) {
      const got = recorders.audio.get(audioSubject(replayedId, track.track as AudioTrack));
      const count = got?.frames ?? 0;
      const expected = wav.channels[track.channel].subarray(
        track.offsetSamples,
        track.offsetSamples + count * frameSamples,
      );
      expect({ track: track.track, frames: count >= track.frames }).toEqual({
        track: track.track,
        frames: true,
      });
      expect(
        got?.sequences.map((sequence, i) => [sequence, got.timestamps[i], got.replayOf[i]]),
      ).toEqual(Array.from({ length: count }, (_, i) => [i, i * frameSamples, recordedId]));
      expect(new Set(got?.runIds).size).toBe(1);
      expect(
        Buffer.from(concat(got?.pcm ?? []).buffer).equals(Buffer.from(expected.slice().buffer)),
      ).toBe(true);
    }

    // stream-egress streamed it like a live call: the FastAPI example got the customer's track.
    await eventually(
      () => receiver.summary(replayedId) !== undefined,
      20_000,
      'the receiver to write the replay',
    );
    expect(receiver.summary(replayedId)?.start.customParameters).toMatchObject({
      callId: replayedId,
      replayOf: recordedId,
    });
    const caller = recording.tracks.find((t) => t.track === 'caller');
    const customer = receiver.wav(replayedId, 'inbound') as Int16Array;
    const recordedCaller = wav.channels[caller?.channel ?? 0].subarray(
      caller?.offsetSamples ?? 0,
      (caller?.offsetSamples ?? 0) + (caller?.frames ?? 0) * frameSamples,
    );
    // u-law carried the recording's u-law-decoded samples unchanged; allow the stream to miss
    // its first frames while the backend connection opened.
    const tail = recordedCaller.subarray(
      recordedCaller.length - Math.floor(recordedCaller.length * 0.9),
    );
    expect(indexOfSamples(customer, tail)).toBeGreaterThanOrEqual(0);

    // call-logger never recorded the replay.
    await eventually(
      async () =>
        (await stack.metric(
          stack.callLogger as NonNullable<BridgeStack['callLogger']>,
          'call_logger_replayed_events_skipped_total',
        )) >= replayed.length,
      15_000,
      'call-logger to skip every replayed event',
    );
    const rows = await db.query(
      `SELECT (SELECT count(*)::int FROM calls WHERE call_id = $1) AS calls,
              (SELECT count(*)::int FROM call_events WHERE call_id = $1) AS events,
              (SELECT count(*)::int FROM recordings WHERE call_id = $1) AS recordings`,
      [replayedId],
    );
    expect(rows.rows[0]).toEqual({ calls: 0, events: 0, recordings: 0 });
  }, 90_000);
});
