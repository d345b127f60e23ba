/**
 * The cost of reading VICIdial's database for every live call: one round of VicidialEnricher's
 * reads (live calls by call code, their agents, leads' lists, cached names, and the outcomes of as
 * many ended calls) at 2,000 live calls, against a baseline of 20 in the same run. Measured per
 * round: wall time (p50/p95), queries, this process's CPU and the MariaDB server's CPU (from
 * /proc), on a database the size of a busy VICIdial's (200,000 leads, 200,000 logged calls).
 *
 *   npx nx run ari-ingest:bench     (BENCH_ROUNDS=30; MARIADB_ADMIN_URL as for the tests)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropMariaDatabase, freshMariaDatabase, benchMachine } from '@asb/testing';
import { createVicidialTables, vicidialDataSource } from '@asb/vicidial-db';
import type { DataSource } from 'typeorm';
import { VicidialDirectory } from '../src/vicidial/vicidial-directory';

const ROOT = join(__dirname, '../../..');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
const LEADS = 200_000;
const LOGGED_CALLS = 200_000;
const DATABASE = 'asb_bench_vicidial';
const CAMPAIGNS = ['SALES', 'SUPPORT', 'RENEWALS'];

const code = (i: number) => `V1203${String(i).padStart(15, '0')}`;

async function insertRows(db: DataSource, table: string, columns: string, rows: unknown[][]) {
  for (let i = 0; i < rows.length; i += 5000) {
    await db.query(`INSERT INTO ${table} (${columns}) VALUES ?`, [rows.slice(i, i + 5000)]);
  }
}

async function seed(db: DataSource): Promise<void> {
  await createVicidialTables((sql) => db.query(sql));
  await insertRows(
    db,
    'vicidial_campaigns',
    'campaign_id, campaign_name, active',
    CAMPAIGNS.map((id) => [id, `${id} campaign`, 'Y']),
  );
  await insertRows(
    db,
    'vicidial_users',
    'user, full_name, user_group',
    Array.from({ length: 2000 }, (_, i) => [String(1000 + i), `Agent ${1000 + i}`, 'AGENTS']),
  );
  await insertRows(
    db,
    'vicidial_list',
    'lead_id, list_id, status, phone_number',
    Array.from({ length: LEADS }, (_, i) => [i + 1, 101 + (i % 3), 'NEW', `312555${i}`]),
  );
  await insertRows(
    db,
    'vicidial_log',
    'uniqueid, lead_id, list_id, campaign_id, call_date, status, user, term_reason',
    Array.from({ length: LOGGED_CALLS }, (_, i) => [
      `1790000000.${i}`,
      (i % LEADS) + 1,
      101,
      'SALES',
      new Date(),
      'SALE',
      String(1000 + (i % 2000)),
      'AGENT',
    ]),
  );
}

/** Live calls and their agents in VICIdial's tables, as many as `calls`. */
async function placeCalls(db: DataSource, calls: number): Promise<void> {
  await db.query('DELETE FROM vicidial_auto_calls');
  await db.query('DELETE FROM vicidial_live_agents');
  const indexes = Array.from({ length: calls }, (_, i) => i);
  await insertRows(
    db,
    'vicidial_auto_calls',
    'server_ip, campaign_id, status, lead_id, uniqueid, callerid, call_type',
    indexes.map((i) => [
      '10.0.0.5',
      CAMPAIGNS[i % 3],
      'LIVE',
      i + 1,
      `1790000000.${i}`,
      code(i),
      'OUT',
    ]),
  );
  await insertRows(
    db,
    'vicidial_live_agents',
    'user, server_ip, conf_exten, extension, status, lead_id, campaign_id, callerid',
    indexes.map((i) => [
      String(1000 + i),
      '10.0.0.5',
      String(9600000 + i),
      `SIP/${1000 + i}`,
      'INCALL',
      i + 1,
      CAMPAIGNS[i % 3],
      code(i),
    ]),
  );
}

/** CPU seconds the MariaDB server has used so far (utime + stime of mariadbd). */
function mariadbCpuSeconds(): number {
  const pid = execFileSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' })
    .trim()
    .split(' ')[0];
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat; the split dropped the first two.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Phase {
  liveCalls: number;
  roundMsP50: number;
  roundMsP95: number;
  queriesPerRound: number;
  benchCpuMsPerRound: number;
  mariadbCpuMsPerRound: number;
}

async function measure(db: DataSource, calls: number): Promise<Phase> {
  await placeCalls(db, calls);
  let queries = 0;
  const directory = new VicidialDirectory(db, 10_000, () => (queries += 1));
  const codes = Array.from({ length: calls }, (_, i) => code(i));
  const ended = Array.from({ length: calls }, (_, i) => `1790000000.${LOGGED_CALLS - 1 - i}`);
  const round = async () => {
    const found = await directory.liveCalls(codes);
    if (found.size !== calls) throw new Error(`found ${found.size} of ${calls} live calls`);
    await directory.agentPhones();
    await directory.outcomes(ended, []);
  };
  await round();
  queries = 0;
  const times: number[] = [];
  const cpuBefore = process.cpuUsage();
  const dbBefore = mariadbCpuSeconds();
  for (let i = 0; i < ROUNDS; i += 1) {
    const started = performance.now();
    await round();
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const dbCpu = mariadbCpuSeconds() - dbBefore;
  times.sort((a, b) => a - b);
  const round1 = (value: number) => Math.round(value * 10) / 10;
  return {
    liveCalls: calls,
    roundMsP50: round1(percentile(times, 50)),
    roundMsP95: round1(percentile(times, 95)),
    queriesPerRound: round1(queries / ROUNDS),
    benchCpuMsPerRound: round1((cpu.user + cpu.system) / 1000 / ROUNDS),
    mariadbCpuMsPerRound: round1((dbCpu * 1000) / ROUNDS),
  };
}

async function main(): Promise<void> {
  const url = await freshMariaDatabase(DATABASE);
  const db = vicidialDataSource({ url, connections: 2, connectTimeoutMs: 5000 });
  await db.initialize();
  try {
    console.log(`seeding ${LEADS} leads and ${LOGGED_CALLS} logged calls ...`);
    await seed(db);
    const baseline = await measure(db, 20);
    const load = await measure(db, 2000);
    console.table([baseline, load]);
    const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 0.1)) * 100) / 100;
    const ratios = {
      roundMsP50: ratio(load.roundMsP50, baseline.roundMsP50),
      queriesPerRound: ratio(load.queriesPerRound, baseline.queriesPerRound),
      mariadbCpuMsPerRound: ratio(load.mariadbCpuMsPerRound, baseline.mariadbCpuMsPerRound),
    };
    console.table([{ '2,000 / 20 calls': 'ratio', ...ratios }]);
    const machine = benchMachine();
    const results = join(ROOT, 'bench/results');
    mkdirSync(results, { recursive: true });
    writeFileSync(
      join(results, 'vicidial-enrichment.json'),
      `${JSON.stringify(
        {
          benchmark: "one round of reads from VICIdial's database, by number of live calls",
          date: new Date().toISOString(),
          machine,
          rounds: ROUNDS,
          database: { leads: LEADS, loggedCalls: LOGGED_CALLS },
          notes:
            "a round = live calls and their agents by call code, leads' lists, cached names, the agents' phones, and the outcomes of as many ended calls; ari-ingest runs one round per VICIDIAL_DB_POLL_INTERVAL_MS (1 s), so mariadbCpuMsPerRound is also ms of MariaDB CPU per second",
          phases: [baseline, load],
          ratios,
        },
        null,
        2,
      )}\n`,
    );
    console.log(
      `results written to bench/results/vicidial-enrichment.json (${machine.cores} x ${machine.cpu})`,
    );
  } finally {
    await db.destroy();
    await dropMariaDatabase(DATABASE);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
