import { SCHEMA_VERSION, StreamStats } from '@asb/contracts';

/**
 * A gateway's stats sample of one track, for the specs of the audio judgement: the fields they
 * give, and neutral values (a healthy stream) for the rest.
 */
export function statsSample(
  fields: Pick<StreamStats, 'callId' | 'track' | 'sampledAt' | 'audio'> & Partial<StreamStats>,
): StreamStats {
  return {
    schemaVersion: SCHEMA_VERSION,
    gatewayId: 'gw',
    runId: `run-${fields.track}`,
    codec: 'ulaw',
    sampleRate: 8000,
    packets: 0,
    bytes: 0,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    late: 0,
    rejected: 0,
    jitterMs: 0,
    lastPacketAgeMs: 10,
    levelDbfs: -20,
    stalled: false,
    ...fields,
  };
}
