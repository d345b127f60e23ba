import { ContractViolation } from '../contract-violation.error';
import { decodeJson, encodeJson } from './json-codec';
import { STREAM_STATS_MAX_BYTES, streamStatsSchema, StreamStats } from './stream-stats.schema';
import {
  gatewayHeartbeatSchema,
  MEDIA_CONTROL_MAX_BYTES,
  mediaAllocateReplySchema,
  mediaAllocateRequestSchema,
  mediaReleaseReplySchema,
  mediaReleaseRequestSchema,
} from './media-allocation.schema';

const stats: StreamStats = {
  schemaVersion: 1,
  callId: 'pbx1-1732451234-56',
  track: 'caller',
  gatewayId: 'gw-a',
  codec: 'ulaw',
  sampleRate: 8000,
  ssrc: 0xdeadbeef,
  sampledAt: '2026-11-24T15:13:38.921Z',
  packets: 50,
  bytes: 8600,
  lost: 1,
  duplicates: 0,
  reordered: 2,
  late: 0,
  rejected: 0,
  jitterMs: 0.8,
  lastPacketAgeMs: 12,
  levelDbfs: -23.5,
  stalled: false,
};

describe('stream stats', () => {
  it('round-trips', () => {
    const data = encodeJson(streamStatsSchema, stats, STREAM_STATS_MAX_BYTES);
    expect(decodeJson(streamStatsSchema, data, STREAM_STATS_MAX_BYTES)).toEqual(stats);
  });

  it.each([
    ['packets', -1],
    ['packets', 1.5],
    ['ssrc', 2 ** 32],
    ['levelDbfs', 3],
    ['jitterMs', -0.1],
    ['stalled', 'no'],
    ['track', 'both'],
  ])('rejects %s = %j', (field, value) => {
    expect(() =>
      encodeJson(streamStatsSchema, { ...stats, [field]: value }, STREAM_STATS_MAX_BYTES),
    ).toThrow(ContractViolation);
  });

  it('rejects a sample with a missing counter', () => {
    const { lost: _lost, ...rest } = stats;
    const data = new TextEncoder().encode(JSON.stringify(rest));
    expect(() => decodeJson(streamStatsSchema, data, STREAM_STATS_MAX_BYTES)).toThrow(/lost/);
  });
});

describe('media allocation', () => {
  const roundTrip = <T>(schema: Parameters<typeof encodeJson>[0], value: T) =>
    decodeJson(schema, encodeJson(schema, value, MEDIA_CONTROL_MAX_BYTES), MEDIA_CONTROL_MAX_BYTES);

  it('round-trips requests and both kinds of reply', () => {
    const request = { callId: 'c1', track: 'agent', codec: 'slin16', server: 'pbx1' };
    expect(roundTrip(mediaAllocateRequestSchema, request)).toEqual(request);
    const granted = {
      ok: true,
      allocationId: 'a1',
      gatewayId: 'gw-a',
      host: '10.0.0.5',
      port: 40002,
      bootId: '6c4d1f0e-2b7a-4c8e-9f3d-1a2b3c4d5e6f',
    };
    expect(roundTrip(mediaAllocateReplySchema, granted)).toEqual(granted);
    const refused = { ok: false, error: 'port pool exhausted', retryable: true };
    expect(roundTrip(mediaAllocateReplySchema, refused)).toEqual(refused);
    expect(roundTrip(mediaReleaseRequestSchema, { allocationId: 'a1', gatewayId: 'gw-a' })).toEqual(
      { allocationId: 'a1', gatewayId: 'gw-a' },
    );
    expect(roundTrip(mediaReleaseReplySchema, { ok: true })).toEqual({ ok: true });
  });

  it.each([
    [{ callId: 'c.1', track: 'agent', codec: 'ulaw', server: 'pbx1' }],
    [{ callId: 'c1', track: 'agent', codec: 'g729', server: 'pbx1' }],
    [{ callId: 'c1', track: 'agent', codec: 'ulaw' }],
  ])('rejects the allocation request %j', (request) => {
    expect(() =>
      encodeJson(mediaAllocateRequestSchema, request as never, MEDIA_CONTROL_MAX_BYTES),
    ).toThrow(ContractViolation);
  });

  it('rejects a granted reply without a port and an oversized request', () => {
    expect(() =>
      encodeJson(
        mediaAllocateReplySchema,
        { ok: true, allocationId: 'a', gatewayId: 'g', host: 'h' } as never,
        MEDIA_CONTROL_MAX_BYTES,
      ),
    ).toThrow(/port/);
    const data = new TextEncoder().encode(
      JSON.stringify({ callId: 'c1', pad: 'x'.repeat(MEDIA_CONTROL_MAX_BYTES) }),
    );
    expect(() => decodeJson(mediaAllocateRequestSchema, data, MEDIA_CONTROL_MAX_BYTES)).toThrow(
      /oversized_payload/,
    );
  });

  it('round-trips a heartbeat and refuses one without its boot id', () => {
    const beat = {
      gatewayId: 'gw-a',
      bootId: '6c4d1f0e-2b7a-4c8e-9f3d-1a2b3c4d5e6f',
      host: '10.0.0.5',
      sentAt: '2026-12-03T16:00:00.000Z',
      intervalMs: 500,
      allocations: 12,
      capacity: 5000,
      draining: false,
    };
    expect(roundTrip(gatewayHeartbeatSchema, beat)).toEqual(beat);
    const { bootId: _bootId, ...withoutBoot } = beat;
    expect(() =>
      encodeJson(gatewayHeartbeatSchema, withoutBoot as never, MEDIA_CONTROL_MAX_BYTES),
    ).toThrow(/bootId/);
  });
});
