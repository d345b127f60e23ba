import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, DeliverPolicy, NatsConnection } from 'nats';
import type { Page } from 'playwright-core';
import {
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  CallEvent,
  decodeCallEvent,
  encodeTranscriptSegment,
  TranscriptSegment,
} from '@asb/contracts';
import { BridgeStack } from './support/bridge-stack';
import { TestBrowser } from './support/browser';
import { NATS_URL, WORKSPACE_ROOT } from './support/workspace';
import { callEventsStreamEnv, loadConfig } from '@asb/config';
import { provisionCallEventsStream } from '@asb/nats';
import { dropDatabase, dropMariaDatabase, freshDatabase, freshMariaDatabase } from '@asb/testing';

const ADMIN = { username: 'supervisor', password: 'e2e admin password' };

interface SeenCall {
  callId: string;
  /** When this test saw the call's `started` event on NATS. */
  startedSeenAt: number;
  /**
   * The customer's number, from the first event that shows one (a dialled call's `started` has
   * none yet).
   */
  number: string;
  answered: boolean;
  ended: boolean;
}

/** Records, in the page, when each live row first appeared (ms since the epoch, page clock). */
const WATCH_ROWS = `
  window.__rowsSeen = {};
  new MutationObserver(() => {
    for (const row of document.querySelectorAll('[data-call-id]')) {
      const id = row.getAttribute('data-call-id');
      if (!(id in window.__rowsSeen)) window.__rowsSeen[id] = Date.now();
    }
  }).observe(document.body, { childList: true, subtree: true });
`;

/** Where the header bar's items and the live table's column heads are, in the page. */
const NARROW_LAYOUT = `(() => {
  const boxes = (selector) =>
    [...document.querySelectorAll(selector)]
      .map((element) => element.getBoundingClientRect())
      .filter((box) => box.width > 0)
      .map((box) => ({ left: box.left, right: box.right, top: box.top }));
  const search = document.querySelector('input[type="search"]');
  return {
    top: boxes('.top > *'),
    cells: boxes('.header-row > *'),
    searchFits: search ? search.scrollWidth <= search.clientWidth + 1 : false,
  };
})()`;

/** The password the admin gives the users it adds in the browser. */
const VIEWER_PASSWORD = 'a viewer password';

describe('dashboard in a browser: asterisk-sim -> bridge -> call-logger + dashboard-api -> Chromium', () => {
  const suffix = randomBytes(4).toString('hex');
  const consumer = `e2e-dashboard-${suffix}`;
  // A server name of its own: every callId of this test starts with it, whoever else uses NATS.
  const server = `dash${suffix}`;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-e2e-recordings-'));
  let stack: BridgeStack;
  let browser: TestBrowser;
  let page: Page;
  let nc: NatsConnection;
  const seen = new Map<string, SeenCall>();
  let calls: SeenCall[] = [];

  const url = (path: string) => `${stack.dashboardApi?.baseUrl}${path}`;

  async function scenario(spec: Record<string, unknown>): Promise<string> {
    return (await stack.control<{ id: string }>('POST', '/sim/scenarios', spec)).id;
  }

  async function scenarioState(id: string): Promise<string> {
    return (await stack.control<{ state: string }>('GET', `/sim/scenarios/${id}`)).state;
  }

  function follow(event: CallEvent): void {
    if (event.server !== server) return;
    const known = seen.get(event.callId);
    if (event.event === 'started' && !known) {
      seen.set(event.callId, {
        callId: event.callId,
        startedSeenAt: Date.now(),
        number: '',
        answered: false,
        ended: false,
      });
    }
    const call = seen.get(event.callId);
    if (call && !call.number && 'calleeNumber' in event)
      call.number = event.callerNumber ?? event.calleeNumber ?? '';
    if (known && event.event === 'answered') known.answered = true;
    if (known && event.event === 'ended') known.ended = true;
  }

  async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  // Its own databases: another run of this file on the machine must not share (or drop) them.
  const database = `asb_e2e_dashboard_${process.pid}_${randomBytes(3).toString('hex')}`;
  const vicidialDatabase = `${database}_vicidial`;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(database);
    // A simulated VICIdial's tables, so calls show campaigns, agents and transfers.
    const vicidialUrl = await freshMariaDatabase(vicidialDatabase);
    nc = await connect({ servers: NATS_URL });
    // The logger's durable consumer starts now, not at the first event the stream kept; the
    // stream is provisioned first, as the services would, since the run's NATS starts empty.
    const jsm = await nc.jetstreamManager();
    await provisionCallEventsStream(jsm, loadConfig(callEventsStreamEnv, { env: {} }));
    await jsm.consumers.add(CALL_EVENTS_STREAM, {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: CALL_EVENTS_WILDCARD,
    });
    nc.subscribe(CALL_EVENTS_WILDCARD, {
      callback: (_error, message) => follow(decodeCallEvent(message.subject, message.data)),
    });
    stack = await new BridgeStack({
      servers: [server],
      env: {
        'asterisk-sim': { SIM_VICIDIAL_DB_URL: vicidialUrl },
        'ari-ingest': {
          VICIDIAL_DB_URL: vicidialUrl,
          VICIDIAL_DB_POLL_INTERVAL_MS: '250',
          VICIDIAL_CALL_CODE_LAYOUT: 'current',
          // Short, so a call of seconds shows its audio verdicts.
          AUDIO_SILENT_TRACK_AFTER_S: '3',
          AUDIO_ONE_WAY_AFTER_S: '4',
        },
      },
      callLogger: {
        DATABASE_URL: databaseUrl,
        CALL_LOGGER_CONSUMER: consumer,
        RECORDINGS_DIR: recordingsDir,
        STATS_SAMPLE_INTERVAL_MS: '1000',
      },
      dashboardApi: {
        DATABASE_URL: databaseUrl,
        DASHBOARD_STATIC_DIR: join(WORKSPACE_ROOT, 'dist/apps/dashboard'),
        DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url'),
        DASHBOARD_ADMIN_USER: ADMIN.username,
        DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
        DASHBOARD_LIVE_REPLAY_MINUTES: '0',
      },
    }).start();
    browser = await TestBrowser.launch();
    page = await browser.page();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    stack?.kill();
    const jsm = await nc?.jetstreamManager();
    await jsm?.consumers.delete(CALL_EVENTS_STREAM, consumer).catch(() => undefined);
    await nc?.drain();
    await dropDatabase(database);
    await dropMariaDatabase(vicidialDatabase);
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('logs in', async () => {
    await page.goto(url('/'));
    await page.getByLabel('User').fill(ADMIN.username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('invalid username or password');
    await browser.screenshot(page, '01-login-refused');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('[data-feed="live"]').waitFor({ timeout: 10_000 });
    expect(await page.getByText(`${ADMIN.username} (admin)`).isVisible()).toBe(true);
  });

  it('shows simulated calls appear within a second and disappear when they end', async () => {
    await page.evaluate(WATCH_ROWS);
    const id = await scenario({
      totalCalls: 6,
      concurrency: 6,
      arrivalRate: 20,
      ringMs: { min: 300, max: 600 },
      talkMs: { min: 7000, max: 9000 },
      answerRatio: 1,
      seed: 11,
    });
    await until(async () => seen.size === 6, 10_000, 'six calls started');
    calls = [...seen.values()];
    for (const call of calls) {
      await page.locator(`[data-call-id="${call.callId}"]`).waitFor({ timeout: 5000 });
    }
    await until(
      async () =>
        (await page.locator('[data-health="healthy"]').count()) >= 2 &&
        (await page.locator('.live-row.row-answered').count()) >= 6,
      8000,
      'answered calls with healthy streams',
    );
    await browser.screenshot(page, '02-live-calls');
    const rowsSeen = (await page.evaluate('window.__rowsSeen')) as Record<string, number>;
    const delays = calls.map((call) => rowsSeen[call.callId] - call.startedSeenAt);
    expect(Math.max(...delays)).toBeLessThan(1000);

    await until(
      async () => (await scenarioState(id)) === 'finished',
      20_000,
      'the scenario to end',
    );
    for (const call of calls) {
      await page
        .locator(`[data-call-id="${call.callId}"]`)
        .waitFor({ state: 'detached', timeout: 3000 });
    }
  }, 60_000);

  it('opens a call: timeline, health charts and a recording that plays', async () => {
    const call = calls[0];
    await until(
      async () => {
        const response = await page.request.get(url(`/api/v1/calls/${call.callId}`), {
          headers: { authorization: `Bearer ${await token()}` },
        });
        if (!response.ok()) return false;
        const detail = (await response.json()) as {
          call: { state: string };
          recording: { state: string } | null;
        };
        return detail.call.state === 'ended' && detail.recording?.state === 'complete';
      },
      15_000,
      'the call and its recording in the records',
    );
    await page.goto(url(`/calls/${call.callId}`));
    await page.locator('[data-event="ended"]').waitFor();
    const events = await page
      .locator('.timeline li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-event')));
    // In time order: the hangup comes before its taps are taken down.
    expect(events[0]).toBe('started');
    expect(events).toEqual(
      expect.arrayContaining(['answered', 'tap_started', 'tap_stopped', 'ended']),
    );
    expect(events.indexOf('answered')).toBeLessThan(events.indexOf('tap_started'));
    expect(events.indexOf('tap_started')).toBeLessThan(events.indexOf('ended'));
    // Offsets to the tenth of a second (a short call's events were all "+0:00" before).
    const offsets = await page.locator('.timeline-offset').allTextContents();
    expect(offsets.every((offset) => /^\+(\d+\.\d s|\d+:\d\d)$/.test(offset))).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(1);
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(3);

    const audio = page.getByTestId('recording-audio');
    await audio.waitFor();
    const played = await audio.evaluate(async (element) => {
      const player = element as unknown as {
        play(): Promise<void>;
        duration: number;
        currentTime: number;
      };
      await player.play();
      // Half a second of the recording heard, however slowly a loaded machine plays it.
      const deadline = Date.now() + 15_000;
      while (player.currentTime <= 0.5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { duration: player.duration, currentTime: player.currentTime };
    });
    expect(played.duration).toBeGreaterThan(5);
    expect(played.currentTime).toBeGreaterThan(0.5);
    await browser.screenshot(page, '03-call-page');
  }, 40_000);

  it('shows who had a call that was sent on to an in-group, and from when', async () => {
    const id = await scenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 20,
      ringMs: { min: 200, max: 300 },
      talkMs: { min: 5000, max: 5000 },
      answerRatio: 1,
      mix: { outbound: 1 },
      transferRatio: 1,
      seed: 29,
    });
    await until(
      async () => (await scenarioState(id)) === 'finished',
      30_000,
      'the transferred call to end',
    );
    const call = [...seen.values()].at(-1) as SeenCall;
    await until(
      async () => {
        const response = await page.request.get(url(`/api/v1/calls/${call.callId}`), {
          headers: { authorization: `Bearer ${await token()}` },
        });
        const detail = (await response.json()) as {
          call: { state: string; vicidial: { inGroup: string | null } };
        };
        return detail.call.state === 'ended' && detail.call.vicidial.inGroup !== null;
      },
      15_000,
      'the transferred call in the records, with its in-group',
    );
    await page.goto(url(`/calls/${call.callId}`));
    await page.locator('.handling li').nth(1).waitFor();
    const handled = await page.locator('.handling li').allTextContents();
    expect(handled[0]).toMatch(/campaign \w+$/);
    expect(handled.at(-1)).toMatch(/in-group SUPPORT_LINE$/);
    // A five-second call's charts tick by whole seconds, each label once.
    const levelTicks = await chartDrawn('Level', (points) => points > 0);
    expect(new Set(levelTicks.ticks).size).toBe(levelTicks.ticks.length);
    await browser.screenshot(page, '13-call-transferred');
  }, 60_000);

  it("shows what is wrong with a call's audio: live, on its page with its talk time, and in the history", async () => {
    const id = await scenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 20,
      ringMs: { min: 200, max: 300 },
      talkMs: { min: 12_000, max: 12_000 },
      answerRatio: 1,
      mix: { outbound: 1 },
      audioDefects: { silence: 1 },
      seed: 31,
    });
    await page.goto(url('/'));
    // One side of the call is silent: its live row says so within seconds.
    const badge = page.locator('.live-row .verdicts [data-verdict="one_way_audio"]');
    await badge.waitFor({ timeout: 15_000 });
    expect(await badge.getAttribute('title')).toContain('one side speaks');
    expect(await page.locator('.live-row [data-speaking]').count()).toBeGreaterThan(0);
    await browser.screenshot(page, '14-live-audio-verdict');
    await until(
      async () => (await scenarioState(id)) === 'finished',
      30_000,
      'the call with silent audio to end',
    );
    const call = [...seen.values()].at(-1) as SeenCall;
    await until(
      async () => {
        const response = await page.request.get(url(`/api/v1/calls/${call.callId}`), {
          headers: { authorization: `Bearer ${await token()}` },
        });
        const detail = (await response.json()) as { call: { audio: { talk: unknown } } };
        return detail.call.audio.talk !== null;
      },
      20_000,
      'the talk summary in the records',
    );
    await page.goto(url(`/calls/${call.callId}`));
    const verdicts = page.locator('table[aria-label="Audio verdicts"] tbody tr');
    await verdicts.first().waitFor();
    expect(
      (
        await verdicts.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-verdict')))
      ).sort(),
    ).toEqual(['one_way_audio', 'silent_track']);
    const talk = await page.locator('dl[aria-label="Talk time"]').textContent();
    // The silent side never talked; the other did.
    expect(talk).toMatch(
      /(Customer talked0\.0 s.*Agent talked[1-9]|Customer talked[1-9].*Agent talked0\.0 s)/,
    );
    await browser.screenshot(page, '15-call-audio');

    await page.goto(url('/history'));
    await page.getByLabel('Audio').selectOption('one_way_audio');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/audioVerdict=one_way_audio/);
    await until(
      async () => {
        const ids = await page
          .locator('.history-table tbody tr')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-call-id')));
        return ids.length === 1 && ids[0] === call.callId;
      },
      5000,
      'only the call with one-way audio in the history',
    );
    await browser.screenshot(page, '16-history-audio-filter');
  }, 90_000);

  it('filters the history', async () => {
    const call = calls[2];
    await page.goto(url('/history'));
    await page.locator('.history-table tbody tr').first().waitFor();
    expect(await page.locator('.history-table tbody tr').count()).toBeGreaterThanOrEqual(6);
    await page.getByLabel('Number').fill(call.number);
    await page.getByLabel('State').selectOption('ended');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/number=/);
    const rows = page.locator('.history-table tbody tr');
    // The unfiltered page stays until the filtered one arrives, and it holds the call too.
    await until(
      async () => {
        const shown = await rows.evaluateAll((r) =>
          r.map((row) => [row.getAttribute('data-call-id'), row.textContent ?? '']),
        );
        return (
          shown.some(([id]) => id === call.callId) &&
          shown.every(([, text]) => text.includes(call.number))
        );
      },
      5000,
      'the filtered page with the call',
    );
    const matches = await rows.evaluateAll((r) => r.map((row) => row.textContent ?? ''));
    expect(matches.length).toBeLessThan(6);
    expect(
      matches.filter((text) => !text.includes(call.number) || !text.includes('ended')),
    ).toEqual([]);
    await browser.screenshot(page, '04-history-filtered');

    await page.goto(url('/history?leadId=abc'));
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('leadId');
  });

  /** Places one call of `talkMs` and opens its page once it is answered. */
  async function openAnsweredCall(talkMs: number, seed: number): Promise<SeenCall> {
    const earlier = new Set(seen.keys());
    await scenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 10,
      ringMs: { min: 200, max: 200 },
      talkMs: { min: talkMs, max: talkMs },
      answerRatio: 1,
      seed,
    });
    await until(
      async () => [...seen.values()].some((c) => c.answered && !earlier.has(c.callId)),
      10_000,
      'an answered call',
    );
    const call = [...seen.values()].find((c) => !earlier.has(c.callId)) as SeenCall;
    await page.goto(url(`/calls/${call.callId}`));
    await page.getByTestId('call-live').waitFor();
    return call;
  }

  it('listens to a call live: its audio frames arrive in the page', async () => {
    const call = await openAnsweredCall(12_000, 21);
    // A call in progress counts its duration on the page, as in its header.
    await page.getByText(/^\d+:\d\d so far$/).waitFor();
    await page.getByRole('button', { name: 'Listen live' }).click();
    const listen = page.locator('[data-listen-state="listening"]');
    await listen.waitFor({ timeout: 5000 });
    await until(
      async () => Number(await listen.getAttribute('data-frames')) >= 50,
      5000,
      '50 frames',
    );
    await browser.screenshot(page, '05-live-listen');
    await page.getByRole('button', { name: /Stop listening/ }).click();
    await page.locator('[data-listen-state="idle"]').waitFor();

    const audit = await page.request.get(url(`/api/v1/audit?callId=${call.callId}`), {
      headers: { authorization: `Bearer ${await token()}` },
    });
    const { entries } = (await audit.json()) as {
      entries: Array<{ action: string; username: string }>;
    };
    // Opening a live call's page as an admin also follows its transcript (audited too).
    expect(entries.map((e) => e.action)).toContain('transcript_watched');
    expect(entries.map((e) => e.action).filter((a) => a.startsWith('live_listen'))).toEqual([
      'live_listen_stopped',
      'live_listen_started',
    ]);
  }, 40_000);

  it("shows a call's transcript live beside its audio: partials replaced by finals, speech without text said as such", async () => {
    const call = await openAnsweredCall(10_000, 23);
    // No worker transcribes this call yet: the page shows no transcript.
    expect(await page.getByRole('region', { name: 'Transcript' }).count()).toBe(0);

    // What a worker publishes (the example worker's speech-activity segments, and an ASR's text).
    const spoken = randomUUID();
    const startAt = Date.now() - 2000;
    const publish = (segment: Partial<TranscriptSegment> & Pick<TranscriptSegment, 'kind'>) => {
      const { subject, data } = encodeTranscriptSegment({
        schemaVersion: 1,
        segmentId: spoken,
        callId: call.callId,
        track: 'caller',
        span: {
          runId: 'run-1',
          startSample: 0,
          endSample: 8000,
          sampleRate: 8000,
          startAt,
          endAt: startAt + 1000,
        },
        text: '',
        producer: { name: 'speech-activity', version: '1' },
        occurredAt: new Date().toISOString(),
        ...segment,
      });
      nc.publish(subject, data);
    };
    const line = page.locator(`[data-segment-id="${spoken}"]`);
    // The page asks for the call's transcript once it is shown: publish until the first line is there.
    await until(
      async () => {
        publish({ kind: 'partial' });
        return (await line.count()) > 0;
      },
      10_000,
      'the partial segment on the page',
    );
    expect(await line.getAttribute('data-kind')).toBe('partial');
    publish({
      kind: 'final',
      span: {
        runId: 'run-1',
        startSample: 0,
        endSample: 12_000,
        sampleRate: 8000,
        startAt,
        endAt: startAt + 1500,
      },
    });
    publish({
      kind: 'final',
      segmentId: randomUUID(),
      track: 'agent',
      text: 'How can I help?',
      producer: { name: 'asr-example' },
      span: {
        runId: 'run-1',
        startSample: 16_000,
        endSample: 24_000,
        sampleRate: 8000,
        startAt: startAt + 2000,
        endAt: startAt + 3000,
      },
    });
    await page
      .locator(`[data-segment-id="${spoken}"][data-kind="final"]`)
      .waitFor({ timeout: 5000 });
    await page.getByText('How can I help?').waitFor({ timeout: 5000 });
    const transcript = page.getByRole('region', { name: 'Transcript' });
    const lines = await transcript.locator('li').allTextContents();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/customer speech, 1\.5 s$/);
    expect(lines[1]).toMatch(/agent How can I help\?$/);
    await browser.screenshot(page, '06-live-transcript');

    // call-logger stored the finals: a page opened later shows them from the record.
    await until(
      async () => {
        const response = await page.request.get(url(`/api/v1/calls/${call.callId}/transcript`), {
          headers: { authorization: `Bearer ${await token()}` },
        });
        return ((await response.json()) as { segments: unknown[] }).segments.length === 2;
      },
      10_000,
      'both finals stored',
    );
    await page.reload();
    await page
      .locator(`[data-segment-id="${spoken}"][data-kind="final"]`)
      .waitFor({ timeout: 10_000 });
  }, 40_000);

  it('shows the metrics page', async () => {
    await page.goto(url('/stats'));
    await page.locator('[data-metric="calls (24 h)"]').waitFor();
    await until(
      async () =>
        Number(await page.locator('[data-metric="calls (24 h)"] .card-value').textContent()) >= 7,
      5000,
      'the day’s calls',
    );
    expect(await page.locator('.chart canvas').count()).toBe(3);
    await browser.screenshot(page, '06-metrics');
  });

  /** What one chart of the page drew once `ready` holds for its number of points. */
  async function chartDrawn(title: string, ready: (points: number) => boolean) {
    const figure = page.locator(`figure[data-chart="${title}"]`);
    const attribute = async (name: string) => (await figure.getAttribute(`data-${name}`)) ?? '';
    // Scales and ticks are kept at each drawing: read them once the data wanted is drawn.
    await until(
      async () =>
        (await attribute('drawn-points')) !== '' && ready(Number(await attribute('drawn-points'))),
      5000,
      `${title} drawn`,
    );
    return {
      points: Number(await attribute('drawn-points')),
      // Whole seconds: the page's span is now - 3600 .. now, with now in fractions of a second.
      spanSeconds: Math.round(Number(await attribute('x-max')) - Number(await attribute('x-min'))),
      yMin: Number(await attribute('y-min')),
      yMax: Number(await attribute('y-max')),
      ticks: (await attribute('x-ticks')).split('|'),
      saysEmpty: (await figure.locator('.chart-empty').count()) === 1,
    };
  }

  it('draws the charts over their own span with clock ticks, for no sample, one and many', async () => {
    const CONCURRENT = 'Concurrent calls (last hour)';
    const PER_HOUR = 'Calls per hour (24 h)';
    const clockTicks = expect.arrayContaining([expect.stringMatching(/^\d\d:\d\d$/)]);
    const onlyClockTicks = (ticks: string[]) => ticks.every((t) => /^\d\d:\d\d$/.test(t));

    // Many: the run so far.
    await page.goto(url('/stats'));
    const many = await chartDrawn(CONCURRENT, (points) => points > 1);
    expect(many).toMatchObject({ spanSeconds: 3600, yMin: 0, saysEmpty: false });
    expect(many.points).toBeGreaterThan(1);
    expect(many.ticks).toEqual(clockTicks);
    expect(onlyClockTicks(many.ticks)).toBe(true);
    const perHour = await chartDrawn(PER_HOUR, (points) => points > 0);
    // Every hour of the day is a bar, the empty ones too.
    expect(perHour).toMatchObject({ points: 25, spanSeconds: 25 * 3600, yMin: 0 });
    expect(perHour.yMax).toBeGreaterThanOrEqual(7);
    expect(onlyClockTicks(perHour.ticks)).toBe(true);

    // None and one, as a dashboard-api that just started gives them.
    const trendOf = (points: unknown[]) => ({ sampleSeconds: 5, points });
    for (const [name, points] of [
      ['11-metrics-no-sample', []],
      [
        '12-metrics-one-sample',
        [
          {
            at: new Date().toISOString(),
            active: 3,
            ringing: 0,
            answered: 3,
            streams: { waiting: 0, healthy: 6, degraded: 0, stalled: 0 },
          },
        ],
      ],
    ] as const) {
      await page.route('**/api/v1/trends/live*', (route) =>
        route.fulfill({ json: trendOf([...points]) }),
      );
      await page.goto(url('/stats'));
      const drawn = await chartDrawn(CONCURRENT, (drawnPoints) => drawnPoints === points.length);
      expect(drawn).toMatchObject({
        points: points.length,
        spanSeconds: 3600,
        yMin: 0,
        yMax: points.length === 0 ? 1 : 5,
        saysEmpty: points.length === 0,
      });
      expect(onlyClockTicks(drawn.ticks)).toBe(true);
      await browser.screenshot(page, name);
      await page.unroute('**/api/v1/trends/live*');
    }
  });

  it('keeps the header on one row and the columns apart in an 800 px window', async () => {
    const size = page.viewportSize() ?? { width: 1400, height: 900 };
    await page.setViewportSize({ width: 800, height: 900 });
    try {
      await page.goto(url('/'));
      await page.locator('.header-row').waitFor();
      // A string: this project's types have no DOM (as WATCH_ROWS).
      const layout = (await page.evaluate(NARROW_LAYOUT)) as {
        top: Array<{ left: number; right: number; top: number }>;
        cells: Array<{ left: number; right: number; top: number }>;
        searchFits: boolean;
      };
      // The bar's items in one row, none past the window's edge.
      expect(
        Math.max(...layout.top.map((box) => box.top)) -
          Math.min(...layout.top.map((box) => box.top)),
      ).toBeLessThan(12);
      expect(Math.max(...layout.top.map((box) => box.right))).toBeLessThanOrEqual(800);
      // Each column ends before the next begins.
      layout.cells.slice(1).forEach((cell, i) => {
        expect(cell.left).toBeGreaterThanOrEqual(layout.cells[i].right);
      });
      expect(layout.searchFits).toBe(true);
      await browser.screenshot(page, '10-narrow-window');
    } finally {
      await page.setViewportSize(size);
    }
  });

  it('lets an admin add and change users, and read who did what in the audit log', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('table', { name: 'Users' }).waitFor();
    const add = async (username: string) => {
      const form = page.getByRole('form', { name: 'New user' });
      await form.locator('input[name="username"]').fill(username);
      await form.locator('input[name="password"]').fill(VIEWER_PASSWORD);
      await form.locator('select[name="role"]').selectOption('viewer');
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.locator(`[data-username="${username}"]`).waitFor();
    };
    await add('supervisor1');
    await add('leaver1');
    const leaver = page.locator('[data-username="leaver1"]');
    await leaver.getByRole('button', { name: 'Disable' }).click();
    await leaver.getByText('disabled').waitFor();
    await page.getByLabel('Role of leaver1').selectOption('admin');
    await until(
      async () => (await page.getByLabel('Role of leaver1').inputValue()) === 'admin',
      5000,
      'the role change',
    );
    // Your own role and access are not yours to take away here.
    const self = page.locator(`[data-username="${ADMIN.username}"]`);
    expect(await self.getByRole('button', { name: 'Disable' }).isDisabled()).toBe(true);
    await browser.screenshot(page, '07-users');

    await page.getByRole('link', { name: 'Audit' }).click();
    await page
      .getByRole('form', { name: 'Audit filters' })
      .locator('select[name="action"]')
      .selectOption('user_created');
    await page.getByRole('button', { name: 'Apply' }).click();
    await until(
      async () =>
        (await page.locator('tr[data-action]').count()) === 2 &&
        (await page.locator('tr[data-action="user_created"]').count()) === 2,
      5000,
      'the two user_created entries alone',
    );
    expect(await page.getByRole('table', { name: 'Audit log' }).textContent()).toContain(
      'username: leaver1',
    );
    await browser.screenshot(page, '08-audit');
  });

  it('keeps the admin pages from a viewer', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('User').fill('supervisor1');
    await page.getByLabel('Password').fill(VIEWER_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('supervisor1 (viewer)').waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await page.goto(url('/users'));
    await page.waitForURL(url('/'));
    await page.goto(url('/audit'));
    await page.waitForURL(url('/'));
    await browser.screenshot(page, '09-viewer');
  });

  async function token(): Promise<string> {
    return (await page.evaluate(
      "JSON.parse(sessionStorage.getItem('asb.session') ?? '{}').token",
    )) as string;
  }
});
