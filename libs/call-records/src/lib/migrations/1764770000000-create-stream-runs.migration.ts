import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each run (gateway allocation) of a track keeps its own counters, so the track's totals add up
 * across re-taps and failovers. A stream recorded before keeps its totals as one run, named by
 * its gateway.
 */
export class CreateStreamRuns1764770000000 implements MigrationInterface {
  name = 'CreateStreamRuns1764770000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE stream_runs (
        call_id varchar(128) NOT NULL,
        track varchar(16) NOT NULL,
        run_id varchar(64) NOT NULL,
        gateway_id varchar(64) NOT NULL,
        first_packet_at timestamptz,
        packets bigint NOT NULL,
        bytes bigint NOT NULL,
        lost bigint NOT NULL,
        duplicates bigint NOT NULL,
        reordered bigint NOT NULL,
        late bigint NOT NULL,
        rejected bigint NOT NULL,
        last_sample_at timestamptz NOT NULL,
        PRIMARY KEY (call_id, track, run_id)
      )`);
    await runner.query(`
      INSERT INTO stream_runs (call_id, track, run_id, gateway_id, first_packet_at, packets, bytes,
        lost, duplicates, reordered, late, rejected, last_sample_at)
      SELECT call_id, track, gateway_id, gateway_id, first_packet_at, packets, bytes, lost,
        duplicates, reordered, late, rejected, last_sample_at
      FROM streams WHERE last_sample_at IS NOT NULL AND gateway_id IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE stream_runs`);
  }
}
