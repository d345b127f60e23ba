import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The call records schema. Written by hand: the indexes are chosen for the dashboard's queries
 * (calls by time range, state, number prefix, lead id, campaign, agent), and some are partial or
 * use an operator class, which TypeORM cannot generate.
 */
export class CreateCallRecords1732600000000 implements MigrationInterface {
  name = 'CreateCallRecords1732600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE calls (
        call_id varchar(128) PRIMARY KEY,
        server varchar(40) NOT NULL,
        asterisk_id varchar(64),
        channel_id varchar(64) NOT NULL,
        channel_name varchar(256) NOT NULL,
        direction varchar(16),
        context varchar(256),
        exten varchar(256),
        caller_number varchar(64),
        caller_name varchar(256),
        callee_number varchar(64),
        vicidial_call_code varchar(64),
        vicidial_call_type varchar(8),
        lead_id bigint,
        campaign varchar(256),
        agent varchar(256),
        state varchar(16) NOT NULL,
        started_at timestamptz NOT NULL,
        answered_at timestamptz,
        ended_at timestamptz,
        duration_ms integer,
        talk_ms integer,
        hangup_cause smallint,
        hangup_cause_text varchar(256),
        end_reconciled boolean NOT NULL DEFAULT false,
        tapped boolean NOT NULL DEFAULT false,
        event_count integer NOT NULL,
        last_event_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT calls_state_check CHECK (state IN ('started', 'answered', 'ended'))
      )`);
    await runner.query(`CREATE INDEX calls_started_at_idx ON calls (started_at)`);
    await runner.query(`CREATE INDEX calls_state_started_at_idx ON calls (state, started_at)`);
    await runner.query(
      `CREATE INDEX calls_campaign_started_at_idx ON calls (campaign, started_at)`,
    );
    await runner.query(`CREATE INDEX calls_agent_started_at_idx ON calls (agent, started_at)`);
    await runner.query(
      `CREATE INDEX calls_lead_id_idx ON calls (lead_id) WHERE lead_id IS NOT NULL`,
    );
    // Pattern operator classes serve both `= '3125550101'` and prefix searches (`LIKE '312555%'`).
    await runner.query(
      `CREATE INDEX calls_caller_number_idx ON calls (caller_number varchar_pattern_ops)`,
    );
    await runner.query(
      `CREATE INDEX calls_callee_number_idx ON calls (callee_number varchar_pattern_ops)`,
    );

    await runner.query(`
      CREATE TABLE call_events (
        event_id uuid PRIMARY KEY,
        call_id varchar(128) NOT NULL,
        event_type varchar(32) NOT NULL,
        occurred_at timestamptz NOT NULL,
        track varchar(16),
        stream_sequence bigint,
        payload jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await runner.query(
      `CREATE INDEX call_events_call_id_occurred_at_idx ON call_events (call_id, occurred_at)`,
    );
    await runner.query(`CREATE INDEX call_events_occurred_at_idx ON call_events (occurred_at)`);

    await runner.query(`
      CREATE TABLE streams (
        call_id varchar(128) NOT NULL,
        track varchar(16) NOT NULL,
        state varchar(16) NOT NULL,
        codec varchar(8),
        sample_rate integer,
        gateway_id varchar(64),
        gateway_host varchar(64),
        gateway_port integer,
        snoop_channel_id varchar(128),
        external_media_channel_id varchar(128),
        bridge_id varchar(128),
        tap_started_at timestamptz,
        tap_stopped_at timestamptz,
        stop_reason varchar(32),
        failure_stage varchar(32),
        failure_error varchar(1024),
        first_packet_at timestamptz,
        last_packet_at timestamptz,
        packets bigint NOT NULL DEFAULT 0,
        bytes bigint NOT NULL DEFAULT 0,
        lost bigint NOT NULL DEFAULT 0,
        duplicates bigint NOT NULL DEFAULT 0,
        reordered bigint NOT NULL DEFAULT 0,
        late bigint NOT NULL DEFAULT 0,
        rejected bigint NOT NULL DEFAULT 0,
        loss_ratio double precision NOT NULL DEFAULT 0,
        jitter_ms real,
        max_jitter_ms real,
        level_dbfs real,
        stalled boolean NOT NULL DEFAULT false,
        stall_count integer NOT NULL DEFAULT 0,
        sample_count integer NOT NULL DEFAULT 0,
        last_sample_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (call_id, track),
        CONSTRAINT streams_state_check CHECK (state IN ('tapped', 'stopped', 'failed'))
      )`);
    await runner.query(`CREATE INDEX streams_tap_started_at_idx ON streams (tap_started_at)`);

    await runner.query(`
      CREATE TABLE stream_health_samples (
        call_id varchar(128) NOT NULL,
        track varchar(16) NOT NULL,
        sampled_at timestamptz NOT NULL,
        gateway_id varchar(64) NOT NULL,
        packets bigint NOT NULL,
        bytes bigint NOT NULL,
        lost bigint NOT NULL,
        duplicates bigint NOT NULL,
        reordered bigint NOT NULL,
        late bigint NOT NULL,
        rejected bigint NOT NULL,
        jitter_ms real NOT NULL,
        last_packet_age_ms real NOT NULL,
        level_dbfs real NOT NULL,
        stalled boolean NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (call_id, track, sampled_at)
      )`);
    await runner.query(
      `CREATE INDEX stream_health_samples_sampled_at_idx ON stream_health_samples (sampled_at)`,
    );

    await runner.query(`
      CREATE TABLE recordings (
        call_id varchar(128) PRIMARY KEY,
        state varchar(16) NOT NULL,
        path varchar(1024) NOT NULL,
        file_name varchar(512) NOT NULL,
        format varchar(32) NOT NULL DEFAULT 'audio/wav',
        sample_rate integer NOT NULL,
        channels smallint NOT NULL,
        tracks jsonb NOT NULL DEFAULT '[]',
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        duration_ms integer,
        size_bytes bigint,
        sha256 char(64),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recordings_state_check CHECK (state IN ('recording', 'complete', 'failed'))
      )`);
    await runner.query(`CREATE INDEX recordings_started_at_idx ON recordings (started_at)`);

    await runner.query(`
      CREATE TABLE egress_streams (
        call_id varchar(128) NOT NULL,
        stream_id varchar(128) NOT NULL,
        direction varchar(16) NOT NULL,
        target varchar(512) NOT NULL,
        format varchar(16) NOT NULL,
        tracks varchar(16)[],
        started_at timestamptz,
        stopped_at timestamptz,
        stop_reason varchar(32),
        frames_sent bigint,
        frames_dropped bigint,
        reconnects integer,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (call_id, stream_id)
      )`);
    await runner.query(`CREATE INDEX egress_streams_started_at_idx ON egress_streams (started_at)`);

    await runner.query(`
      CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY,
        source varchar(16) NOT NULL,
        subject varchar(512) NOT NULL,
        reason varchar(64) NOT NULL,
        error text NOT NULL,
        payload bytea NOT NULL,
        stream_sequence bigint,
        delivery_count integer,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX dead_letters_received_at_idx ON dead_letters (received_at)`);
    await runner.query(
      `CREATE UNIQUE INDEX dead_letters_stream_sequence_key ON dead_letters (source, stream_sequence) WHERE stream_sequence IS NOT NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [
      'dead_letters',
      'egress_streams',
      'recordings',
      'stream_health_samples',
      'streams',
      'call_events',
      'calls',
    ]) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
