import type { CallEvent } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import { BlackholeProxy, dropMariaDatabase, eventually, freshMariaDatabase } from '@asb/testing';
import { createVicidialTables, vicidialDataSource } from '@asb/vicidial-db';
import type { DataSource } from 'typeorm';
import { channel, trackerWith } from '../calls/__tests__/tracker-harness';
import { VicidialEnricher } from './vicidial-enricher.service';

const DATABASE = `asb_test_vicidial_enricher_${process.pid}`;
const OUTBOUND_CODE = 'V1203143000000012345';
const INBOUND_CODE = 'Y1203143100000012346';

const ofType = (events: CallEvent[], type: string) => events.filter((e) => e.event === type);

/** Runs rounds until `check` holds (outcomes are looked for a while after the end). */
function roundsUntil(enricher: VicidialEnricher, check: () => boolean, what: string) {
  return eventually(
    async () => {
      await enricher.runRound();
      return check();
    },
    15_000,
    what,
  );
}

describe('VicidialEnricher (real MariaDB)', () => {
  let url: string;
  let vicidial: DataSource;

  beforeAll(async () => {
    url = await freshMariaDatabase(DATABASE);
    vicidial = vicidialDataSource({ url, connections: 2, connectTimeoutMs: 5000 });
    await vicidial.initialize();
    await createVicidialTables((sql) => vicidial.query(sql));
    await vicidial.query(`INSERT INTO vicidial_campaigns VALUES
      ('SALES', 'Outbound sales', 'Y'), ('SUPPORT', 'Customer care', 'Y')`);
    await vicidial.query(
      `INSERT INTO vicidial_inbound_groups VALUES ('SUPPORT_IG', 'Support line')`,
    );
    await vicidial.query(`INSERT INTO vicidial_users (user, full_name, user_group) VALUES
      ('1001', 'Ada Agent', 'AGENTS'), ('1002', 'Bo Agent', 'AGENTS')`);
    await vicidial.query(`INSERT INTO vicidial_lists VALUES (101, 'Spring leads', 'SALES')`);
    await vicidial.query(`INSERT INTO vicidial_list (lead_id, list_id, phone_number, first_name)
      VALUES (12345, 101, '3125550101', 'Never Logged'), (12346, 101, '3125550102', 'Nor Me')`);
  });

  afterAll(async () => {
    await vicidial?.destroy();
    await dropMariaDatabase(DATABASE);
  });

  const enrichers: VicidialEnricher[] = [];

  afterEach(async () => {
    await Promise.all(enrichers.splice(0).map((enricher) => enricher.onApplicationShutdown()));
    for (const table of ['vicidial_auto_calls', 'vicidial_live_agents', 'vicidial_log']) {
      await vicidial.query(`DELETE FROM ${table}`);
    }
    await vicidial.query(`DELETE FROM vicidial_closer_log`);
  });

  function enricherWith(env: Record<string, string> = {}) {
    const harness = trackerWith({ VICIDIAL_DB_URL: url, ...env });
    const metrics = new MetricsRegistry('vicidial-enricher-spec', false);
    const enricher = new VicidialEnricher(
      harness.config,
      harness.tracker,
      harness.sink,
      harness.policy,
      metrics,
    );
    enrichers.push(enricher);
    const metric = async (name: string) =>
      (await metrics.registry.getSingleMetric(name)?.get())?.values.reduce(
        (sum, value) => sum + value.value,
        0,
      ) ?? 0;
    return { ...harness, enricher, metric };
  }

  async function placeOutboundCall(agent = '1001') {
    await vicidial.query(
      `INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, uniqueid, callerid,
         channel, call_type, call_time)
       VALUES ('10.0.0.5', 'SALES', 'LIVE', 12345, '1795533218.10', ?, 'Local/93125550101@default-1;1', 'OUT', NOW())`,
      [OUTBOUND_CODE],
    );
    await vicidial.query(
      `INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id,
         campaign_id, callerid)
       VALUES (?, '10.0.0.5', '9600051', 'SIP/1001', 'INCALL', 12345, 'SALES', ?)`,
      [agent, OUTBOUND_CODE],
    );
  }

  it('gives a live outbound call its campaign, list and agent, and after the end its disposition', async () => {
    const { enricher, play, published } = enricherWith();
    await placeOutboundCall();
    const answered = { caller: { name: OUTBOUND_CODE, number: '3125550101' } };
    play('ChannelCreated', channel({ state: 'Ring', ...answered }));
    play('ChannelStateChange', channel({ state: 'Up', ...answered }));
    await enricher.runRound();
    expect(ofType(published, 'updated').at(-1)).toMatchObject({
      vicidial: {
        callCode: OUTBOUND_CODE,
        callType: 'V',
        campaign: 'SALES',
        campaignName: 'Outbound sales',
        leadId: 12345,
        listId: 101,
        agent: '1001',
        agentName: 'Ada Agent',
        agentPhone: 'SIP/1001',
        conference: '9600051',
      },
    });
    await enricher.runRound();
    expect(ofType(published, 'updated')).toHaveLength(1);
    expect(JSON.stringify(published)).not.toContain('Never Logged');

    play('ChannelDestroyed', channel({ state: 'Up', ...answered }));
    await vicidial.query(`DELETE FROM vicidial_auto_calls`);
    await vicidial.query(
      `INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, status, user, term_reason)
       VALUES ('1795533218.10', 12345, 101, 'SALES', NOW(), 'SALE', '1001', 'AGENT')`,
    );
    await roundsUntil(
      enricher,
      () => ofType(published, 'disposition').length > 0,
      'the disposition',
    );
    expect(ofType(published, 'disposition')).toMatchObject([
      {
        callId: 'pbx1-1795533218-11',
        vicidial: { campaign: 'SALES', agent: '1001', status: 'SALE', termReason: 'AGENT' },
      },
    ]);
    expect(published.findIndex((e) => e.event === 'ended')).toBeGreaterThan(0);
    expect(published.findIndex((e) => e.event === 'ended')).toBeLessThan(
      published.findIndex((e) => e.event === 'disposition'),
    );
  });

  it("gives an inbound call its in-group and its agent's campaign, and the closer log's outcome", async () => {
    const { enricher, play, published } = enricherWith();
    await vicidial.query(
      `INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, uniqueid, callerid, call_type)
       VALUES ('10.0.0.5', 'SUPPORT_IG', 'LIVE', 12346, '1795533218.30', ?, 'IN')`,
      [INBOUND_CODE],
    );
    await vicidial.query(
      `INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id, campaign_id, callerid)
       VALUES ('1002', '10.0.0.5', '9600052', 'SIP/1002', 'INCALL', 12346, 'SUPPORT', ?)`,
      [INBOUND_CODE],
    );
    const inbound = { id: '1795533218.30', caller: { name: INBOUND_CODE, number: '3125550102' } };
    play('ChannelCreated', channel({ state: 'Ring', ...inbound }));
    play('ChannelStateChange', channel({ state: 'Up', ...inbound }));
    await enricher.runRound();
    expect(ofType(published, 'updated').at(-1)).toMatchObject({
      vicidial: {
        campaign: 'SUPPORT',
        campaignName: 'Customer care',
        inGroup: 'SUPPORT_IG',
        inGroupName: 'Support line',
        agent: '1002',
        agentName: 'Bo Agent',
      },
    });
    play('ChannelDestroyed', channel({ state: 'Up', ...inbound }));
    // The call came through another in-group first (its row is XFER), and a call of another
    // server of the cluster, another lead, got the same uniqueid: neither is this call's outcome.
    await vicidial.query(
      `INSERT INTO vicidial_closer_log (lead_id, campaign_id, call_date, status, user, term_reason, uniqueid)
       VALUES (12346, 'FIRST_IG', NOW(), 'XFER', '1001', 'AGENT', '1795533218.30'),
              (12346, 'SUPPORT_IG', NOW(), 'CALLBK', '1002', 'CALLER', '1795533218.30'),
              (12399, 'OTHER_IG', NOW(), 'DROP', '1009', 'ABANDON', '1795533218.30')`,
    );
    await roundsUntil(
      enricher,
      () => ofType(published, 'disposition').length > 0,
      'the disposition',
    );
    expect(ofType(published, 'disposition')[0]).toMatchObject({
      vicidial: { inGroup: 'SUPPORT_IG', status: 'CALLBK', termReason: 'CALLER', agent: '1002' },
    });
  });

  it('reads any number of live calls in the same few queries', async () => {
    const queriesOfRound = async (calls: number) => {
      const { enricher, play, metric, published } = enricherWith();
      await vicidial.query(`DELETE FROM vicidial_auto_calls`);
      const codes = Array.from(
        { length: calls },
        (_, i) => `V12031430${String(i).padStart(11, '0')}`,
      );
      await vicidial.query(
        `INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, callerid, call_type)
         VALUES ${codes.map(() => `('10.0.0.5', 'SALES', 'LIVE', 12345, ?, 'OUT')`).join(', ')}`,
        codes,
      );
      codes.forEach((code, i) => {
        const call = { id: `1795533300.${i}`, caller: { name: code, number: '3125550101' } };
        play('ChannelCreated', channel({ state: 'Up', ...call }));
      });
      await enricher.runRound();
      expect(ofType(published, 'updated')).toHaveLength(calls);
      const before = await metric('ari_ingest_vicidial_queries_total');
      await enricher.runRound();
      return (await metric('ari_ingest_vicidial_queries_total')) - before;
    };
    const one = await queriesOfRound(1);
    expect(await queriesOfRound(500)).toBe(one);
    expect(one).toBeLessThanOrEqual(5);
  });

  it('never takes the phone of an agent the database lists for a call', async () => {
    const { enricher, play, published } = enricherWith();
    await vicidial.query(
      `INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id, campaign_id)
       VALUES ('1002', '10.0.0.5', '9600052', 'SIP/2002', 'PAUSED', 0, 'SALES')`,
    );
    await enricher.runRound();
    // A phone called with an ordinary caller id (the site overwrites VICIdial's login code).
    play(
      'ChannelCreated',
      channel({ id: '1795533218.40', name: 'SIP/2002-00000028', state: 'Ring' }),
    );
    expect(published).toEqual([]);
  });

  it('goes on without the details while the database stalls, and fills them in when it is back', async () => {
    const proxy = await new BlackholeProxy(3306).start();
    const proxied = new URL(url);
    proxied.port = String(proxy.port);
    const { enricher, play, published, metric } = enricherWith({
      VICIDIAL_DB_URL: proxied.toString(),
      VICIDIAL_DB_QUERY_TIMEOUT_MS: '500',
    });
    try {
      await enricher.runRound();
      expect(await metric('ari_ingest_vicidial_database_up')).toBe(1);
      proxy.blackhole();
      await placeOutboundCall();
      const answered = { caller: { name: OUTBOUND_CODE, number: '3125550101' } };
      play('ChannelCreated', channel({ state: 'Ring', ...answered }));
      play('ChannelStateChange', channel({ state: 'Up', ...answered }));
      const started = performance.now();
      await enricher.runRound();
      expect(performance.now() - started).toBeLessThan(5000);
      expect(await metric('ari_ingest_vicidial_database_up')).toBe(0);
      expect(ofType(published, 'updated')).toEqual([]);
      expect(published.map((e) => e.event)).toEqual(['started', 'answered']);
      proxy.resume();
      await roundsUntil(
        enricher,
        () => ofType(published, 'updated').length > 0,
        'the details after the stall',
      );
      expect(await metric('ari_ingest_vicidial_database_up')).toBe(1);
    } finally {
      await proxy.stop();
    }
  });
});
