import type { StreamStats } from '@asb/contracts';

const streamKey = (sample: StreamStats) => `${sample.callId}/${sample.track}`;

/** A run is one allocation; gateways that name none count as one run per gateway. */
export const runIdOf = (sample: StreamStats) => sample.runId ?? sample.gatewayId;

/**
 * The latest sample of every stream run not yet written. The health accumulator keeps one latest
 * sample per stream, so when two runs of a stream report between two writes (a re-tap: the old
 * allocation's last sample and the new one's first) it keeps only one of them; each run's last
 * counters wait here instead, and are written with their stream's row. Holds one sample per run
 * of the streams waiting for their row, so it is bounded by the live streams.
 */
export class StreamRunSamples {
  private readonly pending = new Map<string, StreamStats>();

  add(sample: StreamStats): void {
    const key = `${streamKey(sample)}/${runIdOf(sample)}`;
    const known = this.pending.get(key);
    if (!known || Date.parse(known.sampledAt) <= Date.parse(sample.sampledAt)) {
      this.pending.set(key, sample);
    }
  }

  /** Takes the runs of the streams whose rows are being written. */
  take(streams: StreamStats[]): StreamStats[] {
    const wanted = new Set(streams.map(streamKey));
    const taken: StreamStats[] = [];
    for (const [key, sample] of this.pending) {
      if (!wanted.has(streamKey(sample))) continue;
      taken.push(sample);
      this.pending.delete(key);
    }
    return taken;
  }

  /** Puts back what a failed write took, unless a newer sample of the run came meanwhile. */
  restore(samples: StreamStats[]): void {
    for (const sample of samples) this.add(sample);
  }
}
