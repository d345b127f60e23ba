import { ContractViolation } from '../contract-violation.error';
import { AUDIO_TRACKS, CALL_EVENT_TYPES } from './subject-names';
import {
  audioSubject,
  callAudioWildcard,
  callEventSubject,
  parseAudioSubject,
  parseCallEventSubject,
  parseRecentAudioSubject,
  parseStatsSubject,
  parseTranscriptSubject,
  recentAudioSubject,
  statsSubject,
  transcriptSubject,
} from './subjects';

const BAD_CALL_IDS = [
  '',
  'a.b',
  'a*b',
  'a>b',
  'a b',
  'a\tb',
  'a\nb',
  '>',
  '*',
  'x'.repeat(129),
  'ünï',
];

describe('subjects', () => {
  it.each(CALL_EVENT_TYPES)('round-trips the call event subject for %s', (event) => {
    const subject = callEventSubject('pbx1-1732451234-56', event);
    expect(subject).toBe(`call.v1.pbx1-1732451234-56.${event}`);
    expect(parseCallEventSubject(subject)).toEqual({ callId: 'pbx1-1732451234-56', event });
  });

  it.each(AUDIO_TRACKS)('round-trips audio and stats subjects for track %s', (track) => {
    expect(parseAudioSubject(audioSubject('c1', track))).toEqual({ callId: 'c1', track });
    expect(parseStatsSubject(statsSubject('c1', track))).toEqual({ callId: 'c1', track });
    expect(audioSubject('c1', track)).toBe(`audio.v1.c1.${track}`);
  });

  it.each(AUDIO_TRACKS)(
    'round-trips transcript and recent-audio subjects for track %s',
    (track) => {
      expect(transcriptSubject('c1', track)).toBe(`transcript.v1.c1.${track}`);
      expect(parseTranscriptSubject(transcriptSubject('c1', track))).toEqual({
        callId: 'c1',
        track,
      });
      expect(recentAudioSubject('c1', track)).toBe(`recent-audio.v1.c1.${track}`);
      expect(parseRecentAudioSubject(recentAudioSubject('c1', track))).toEqual({
        callId: 'c1',
        track,
      });
      expect(() => parseTranscriptSubject(`audio.v1.c1.${track}`)).toThrow(ContractViolation);
      expect(() => recentAudioSubject('c.1', track)).toThrow(ContractViolation);
    },
  );

  it.each(BAD_CALL_IDS)('refuses to build a subject for callId %j', (callId) => {
    expect(() => callEventSubject(callId, 'started')).toThrow(ContractViolation);
    expect(() => audioSubject(callId, 'caller')).toThrow(ContractViolation);
    expect(() => statsSubject(callId, 'agent')).toThrow(ContractViolation);
    expect(() => callAudioWildcard(callId)).toThrow(/invalid_call_id/);
  });

  it.each([
    'call.v1.c1',
    'call.v1.c1.started.extra',
    'call.v2.c1.started',
    'call.v1.c1.exploded',
    'call.v1.*.started',
    'call.v1.>.started',
    'call.v1..started',
    'audio.v1.c1.caller',
  ])('rejects the malformed call event subject %s', (subject) => {
    expect(() => parseCallEventSubject(subject)).toThrow(ContractViolation);
  });

  it.each(['audio.v1.c1.customer', 'audio.v1.c1', 'audio.v1.c1.caller.x', 'stats.v1.c1.caller'])(
    'rejects the malformed audio subject %s',
    (subject) => {
      expect(() => parseAudioSubject(subject)).toThrow(ContractViolation);
    },
  );

  it('rejects unknown event and track names when building', () => {
    expect(() => callEventSubject('c1', 'exploded' as never)).toThrow(/unknown call event/);
    expect(() => audioSubject('c1', 'customer' as never)).toThrow(/unknown track/);
  });

  it('builds the per-call audio wildcard', () => {
    expect(callAudioWildcard('c1')).toBe('audio.v1.c1.>');
  });
});
