import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIOSOCKET_TAPS_BUCKET, SUBJECT_TEMPLATES } from '../subjects/subject-names';
import { NATS_PERMISSIONS, NATS_USERS, renderNatsServerConfig } from './nats-permissions';

const CONFIG_PATH = join(__dirname, '../../../../../deploy/k8s/base/nats/nats-server.conf');
const HEADER =
  '# Generated from libs/contracts by `npx nx run contracts:nats-config`. Do not edit by hand.\n' +
  "# Each user's password comes from the server's environment (<USER>_NATS_PASSWORD).\n";

/** Whether a NATS subject pattern (with * and >) covers a concrete subject. */
function covers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i += 1) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

const concrete = (template: string) =>
  template
    .replace('{callId}', 'pbx1-1732451234-56')
    .replace('{track}', 'caller')
    .replace('{bootId}', 'b1');

describe('NATS permissions', () => {
  const rendered = HEADER + renderNatsServerConfig();

  if (process.env['UPDATE_NATS_CONFIG'] === '1') writeFileSync(CONFIG_PATH, rendered);

  it('is the configuration deploy/nats holds (run `npx nx run contracts:nats-config` after a change)', () => {
    expect(readFileSync(CONFIG_PATH, 'utf8')).toBe(rendered);
  });

  it('lets exactly one service publish each subject of the contract that is not a request (the replay tool copies calls)', () => {
    const publishers = (subject: string) =>
      NATS_USERS.filter((user) => NATS_PERMISSIONS[user].publish.some((p) => covers(p, subject)));
    expect(publishers(concrete('audio.v1.{callId}.{track}'))).toEqual(['media-gateway', 'replay']);
    expect(publishers(concrete('transcript.v1.{callId}.{track}'))).toEqual(['ai-worker']);
    expect(publishers(concrete('stats.v1.{callId}.{track}'))).toEqual(['media-gateway']);
    expect(publishers('call.v1.pbx1-1-2.started')).toEqual(['ari-ingest', 'replay']);
    expect(publishers('call.v1.pbx1-1-2.egress_started')).toEqual([
      'ari-ingest',
      'stream-egress',
      'replay',
    ]);
    expect(publishers('media.v1.allocate')).toEqual(['ari-ingest']);
    expect(publishers('media.v1.heartbeat')).toEqual(['media-gateway']);
    for (const template of SUBJECT_TEMPLATES) {
      expect({ template, publishers: publishers(concrete(template)).length > 0 }).toEqual({
        template,
        publishers: true,
      });
    }
  });

  it('gives the AI consumer nothing to publish but requests for recent audio, and the media gateway only lookups of AudioSocket taps', () => {
    expect(NATS_PERMISSIONS['ai-consumer'].publish).toEqual(['recent-audio.v1.*.*']);
    expect(NATS_PERMISSIONS.replay.publish).toEqual(['$JS.API.INFO', 'call.v1.>', 'audio.v1.>']);
    expect(NATS_PERMISSIONS['media-gateway'].publish.filter((p) => p.startsWith('$JS'))).toEqual([
      '$JS.API.INFO',
      `$JS.API.DIRECT.GET.KV_${AUDIOSOCKET_TAPS_BUCKET}.>`,
    ]);
  });
});
