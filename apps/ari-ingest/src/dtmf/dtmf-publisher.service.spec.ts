import { callEventSchema, CallDtmf, callIdFromChannel } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import { channel, trackerWith } from '../calls/__tests__/tracker-harness';
import { readAriEvent, type AriEvent } from '../ari/ari-model';
import { DtmfPublisher } from './dtmf-publisher.service';

const CALL_CODE = 'V1124150300000012345';
const TRUNK = channel({
  state: 'Up',
  caller: { name: CALL_CODE, number: '3125550199' },
});

/** A tracker following one answered call of `campaign` (undefined: VICIdial's data not known). */
function followedCall(env: Record<string, string>, campaign?: string) {
  const harness = trackerWith(env);
  harness.play('ChannelCreated', TRUNK);
  const call = harness.tracker.callsOf('pbx1').get(TRUNK.id);
  if (!call) throw new Error('the call is not followed');
  if (campaign) call.vicidial = { callCode: CALL_CODE, ...call.vicidial, campaign };
  const metrics = new MetricsRegistry('dtmf-spec', false);
  const dtmf = new DtmfPublisher(harness.config, harness.tracker, harness.sink, metrics);
  let second = 0;
  const press = (digit: string, on = TRUNK) => {
    second += 1;
    const text = JSON.stringify({
      type: 'ChannelDtmfReceived',
      timestamp: `2026-12-04T22:00:${String(second).padStart(2, '0')}.250+0000`,
      digit,
      duration_ms: 120,
      channel: on,
      asterisk_id: '02:fc:00:00:00:01',
      application: 'bridge',
    });
    dtmf.pressed(harness.session, readAriEvent(text) as AriEvent);
  };
  const presses = () => harness.published.filter((e): e is CallDtmf => e.event === 'dtmf');
  const count = async (mode: string) =>
    (await metrics.registry.getSingleMetric('ari_ingest_dtmf_presses_total')?.get())?.values.find(
      (v) => v.labels['mode'] === mode,
    )?.value ?? 0;
  return { press, presses, count, callId: callIdFromChannel('pbx1', TRUNK.id) };
}

describe('DtmfPublisher: key presses become dtmf events only as the settings allow', () => {
  it('publishes nothing by default', async () => {
    const { press, presses, count } = followedCall({}, 'SALES');
    press('4');
    expect(presses()).toEqual([]);
    expect(await count('none')).toBe(1);
  });

  it('publishes masked presses when on: that a key was pressed, its length and place, never the key', () => {
    const { press, presses, callId } = followedCall({ DTMF_EVENTS: 'on' }, 'SALES');
    press('4');
    press('1');
    const events = presses();
    expect(events).toEqual([
      expect.objectContaining({
        event: 'dtmf',
        callId,
        track: 'caller',
        masked: true,
        durationMs: 120,
        index: 1,
        occurredAt: '2026-12-04T22:00:01.250Z',
      }),
      expect.objectContaining({ masked: true, index: 2 }),
    ]);
    for (const event of events) {
      expect(event).not.toHaveProperty('digit');
      expect(callEventSchema.parse(event)).toEqual(event);
    }
    expect(JSON.stringify(events)).not.toMatch(/"[41]"/);
  });

  it('gives ids that repeat for the same press but never follow from the key', () => {
    const first = followedCall({ DTMF_EVENTS: 'on', DTMF_DIGITS: 'clear' }, 'SALES');
    const again = followedCall({ DTMF_EVENTS: 'on', DTMF_DIGITS: 'clear' }, 'SALES');
    const other = followedCall({ DTMF_EVENTS: 'on', DTMF_DIGITS: 'clear' }, 'SALES');
    first.press('4');
    again.press('4');
    other.press('7');
    const [a, b, c] = [first, again, other].map((each) => each.presses()[0]);
    expect(a.eventId).toBe(b.eventId);
    // Same call, time and place, another key: the same id, so the id says nothing of the key.
    expect(c.eventId).toBe(a.eventId);
    expect([a.digit, c.digit]).toEqual(['4', '7']);
  });

  it('gives the key where it is in the clear, and follows each campaign its own setting', async () => {
    const env = {
      DTMF_EVENTS: 'on',
      DTMF_BY_CAMPAIGN: 'PAYMENTS=none,SURVEY=clear,SALES=masked',
    };
    const survey = followedCall(env, 'SURVEY');
    survey.press('5');
    survey.press('#');
    expect(survey.presses().map((e) => [e.digit, e.masked, e.index])).toEqual([
      ['5', false, 1],
      ['#', false, 2],
    ]);
    const payments = followedCall(env, 'PAYMENTS');
    payments.press('4');
    expect(payments.presses()).toEqual([]);
    expect(await payments.count('none')).toBe(1);
    const unknown = followedCall({ ...env, DTMF_DIGITS: 'clear' });
    unknown.press('9');
    expect(unknown.presses()).toEqual([expect.objectContaining({ digit: '9', masked: false })]);
    const sales = followedCall({ ...env, DTMF_DIGITS: 'clear' }, 'SALES');
    sales.press('9');
    expect(sales.presses()).toEqual([expect.objectContaining({ masked: true })]);
  });

  it('ignores presses on channels that are not followed calls', () => {
    const { press, presses } = followedCall({ DTMF_EVENTS: 'on' });
    press('1', channel({ id: '1795533218.99', name: 'SIP/1001-00000001', state: 'Up' }));
    expect(presses()).toEqual([]);
  });
});
