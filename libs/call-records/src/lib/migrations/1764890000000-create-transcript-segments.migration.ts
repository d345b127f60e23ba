import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Final transcript segments, one row per segmentId (see TranscriptSegmentRecord). */
export class CreateTranscriptSegments1764890000000 implements MigrationInterface {
  name = 'CreateTranscriptSegments1764890000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE transcript_segments (
        segment_id uuid PRIMARY KEY,
        call_id varchar(128) NOT NULL,
        track varchar(16) NOT NULL,
        run_id varchar(64) NOT NULL,
        start_sample bigint NOT NULL,
        end_sample bigint NOT NULL,
        sample_rate integer NOT NULL,
        start_at timestamptz(3) NOT NULL,
        end_at timestamptz(3) NOT NULL,
        text text NOT NULL,
        confidence real,
        language varchar(35),
        producer_name varchar(64) NOT NULL,
        producer_version varchar(64),
        note text,
        occurred_at timestamptz NOT NULL,
        stream_sequence bigint,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await runner.query(
      `CREATE INDEX transcript_segments_call_id_start_at_idx ON transcript_segments (call_id, start_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE transcript_segments`);
  }
}
