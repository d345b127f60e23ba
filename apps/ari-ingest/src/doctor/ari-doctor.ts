import { connect } from 'node:net';
import { vicidialDataSource } from '@asb/vicidial-db';
import type { AriChannel } from '../ari/ari-model';
import { AriRestClient } from '../ari/ari-rest.client';
import { judgeAsteriskSupport } from '../ari/asterisk-support.util';
import { type AriIngestConfig, tapTransportOf } from '../config/ari-ingest.config';
import { TapPolicy } from '../policy/tap-policy';
import { VicidialDirectory } from '../vicidial/vicidial-directory';
import { listenToCall, localAddressFacing, TrackHeard } from './doctor-listen';

/** The tables ari-ingest reads, which its database user needs SELECT on. */
const TABLES_READ = [
  'vicidial_auto_calls',
  'vicidial_live_agents',
  'vicidial_list',
  'vicidial_campaigns',
  'vicidial_inbound_groups',
  'vicidial_users',
  'vicidial_log',
  'vicidial_closer_log',
];

type Verdict = 'PASS' | 'FAIL' | 'WARN' | 'INFO';

/** `doctor --listen`: also tap one answered call for a few seconds and say what was heard. */
export interface DoctorListen {
  seconds: number;
  /** Where Asterisk sends the RTP; by default this machine's address facing the ARI server. */
  host?: string;
}

/** Below this a track is taken for silent: the wrong channel, or nobody talking. */
const SILENT_DBFS = -60;

/** Prints one line per finding and remembers whether anything failed. */
class Report {
  failed = false;

  constructor(private readonly print: (line: string) => void) {}

  line(verdict: Verdict, subject: string, text: string): void {
    if (verdict === 'FAIL') this.failed = true;
    this.print(`${verdict.padEnd(4)}  ${subject.padEnd(10)}  ${text}`);
  }
}

const examples = (channels: AriChannel[]) =>
  channels.length === 0
    ? ''
    : ` (${channels
        .slice(0, 3)
        .map((c) => c.name)
        .join(', ')}${channels.length > 3 ? ', ...' : ''})`;

/**
 * What a platform engineer runs against a live VICIdial before trusting the bridge: reads only,
 * never subscribes, creates or changes anything, so no call is disturbed. For each configured
 * server: ARI reachable with the credentials, version and modules, the application's state, and
 * the channels up now as the policy sees them (customer calls, agents' phones, ours, others);
 * then the VICIdial database's grant on every table ari-ingest reads. With `listen`, it also taps
 * one answered customer call for a few seconds (passive, as the bridge taps) and reports the
 * packets, format and level of each track, then checks nothing of it is left on the PBX. Returns
 * the exit code: 0 when nothing failed, 1 otherwise.
 */
export async function runDoctor(
  config: AriIngestConfig,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  listen?: DoctorListen,
): Promise<number> {
  let listened = false;
  const report = new Report(print);
  const policy = new TapPolicy(config);
  if (config.VICIDIAL_DB_URL) await checkDatabase(config, policy, report);
  if (config.TAP_AUDIOSOCKET_ADDRESS)
    await checkAudioSocketAddress(config.TAP_AUDIOSOCKET_ADDRESS, report);
  for (const server of config.ARI_SERVERS) {
    const transport = tapTransportOf(config, server.name);
    let client: AriRestClient | undefined;
    try {
      client = await AriRestClient.connect(
        server,
        server.user ?? config.ARI_USER,
        server.password,
        {
          connections: 2,
          keepAliveMs: 1000,
          requestTimeoutMs: config.ARI_REQUEST_TIMEOUT_MS,
          retries: 0,
        },
      );
      report.line('PASS', server.name, `ARI at ${server.url} answers and takes the credentials`);
    } catch (error) {
      report.line('FAIL', server.name, `ARI at ${server.url}: ${(error as Error).message}`);
      continue;
    }
    try {
      const [version, modules] = await Promise.all([
        client.asteriskVersion(),
        client.listModules(),
      ]);
      const support = judgeAsteriskSupport(version, modules, transport);
      if (support.supported) {
        const loaded =
          transport === 'audiosocket' ? 'snoop and AudioSocket' : 'snoop and externalMedia';
        report.line(
          'PASS',
          server.name,
          `Asterisk ${version}${modules ? `, ${loaded} modules loaded` : ' (modules not listed)'}`,
        );
      } else {
        for (const problem of support.problems) report.line('FAIL', server.name, problem);
      }
      const application = await client.getApplication(config.ARI_APP);
      report.line(
        'INFO',
        server.name,
        application
          ? `application ${config.ARI_APP} is registered (an ari-ingest is or was connected)`
          : `application ${config.ARI_APP} is not registered yet (no ari-ingest connected since Asterisk started)`,
      );
      const calls = classifyChannels(await client.listChannels(), policy, server.name, report);
      const answered = calls.find((call) => call.state === 'Up');
      if (listen && !listened && answered) {
        listened = true;
        await listenAndReport(client, config, server, answered, listen, report);
      }
    } catch (error) {
      report.line('FAIL', server.name, (error as Error).message);
    } finally {
      await client.close();
    }
  }
  if (listen && !listened) {
    report.line('WARN', 'listen', 'no answered customer call to listen to: try again during calls');
  }
  print(report.failed ? 'Some checks failed.' : 'All checks passed.');
  return report.failed ? 1 : 0;
}

/** How long the AudioSocket address gets to accept a connection. */
const AUDIOSOCKET_CONNECT_MS = 3000;

/**
 * Whether the gateways' AudioSocket address accepts TCP connections from here. Asterisk, not
 * this host, is what must reach it, so a failure only warns; a success says the gateways listen.
 * The connection closes at once without a UUID, which a gateway counts and drops.
 */
async function checkAudioSocketAddress(address: string, report: Report): Promise<void> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(separator + 1));
  const outcome = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port });
    const done = (problem?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(
      () => done(`no answer in ${AUDIOSOCKET_CONNECT_MS / 1000} s`),
      AUDIOSOCKET_CONNECT_MS,
    );
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error.message));
  });
  if (outcome === undefined) {
    report.line(
      'PASS',
      'audiosock',
      `${address} accepts connections from this host (Asterisk must reach it too)`,
    );
  } else {
    report.line(
      'WARN',
      'audiosock',
      `${address} does not accept connections from this host: ${outcome}; Asterisk must reach it to tap over AudioSocket`,
    );
  }
}

/** Reports the channels up as the policy sees them; returns the customer calls. */
function classifyChannels(
  channels: AriChannel[],
  policy: TapPolicy,
  server: string,
  report: Report,
): AriChannel[] {
  const ours = channels.filter((c) => policy.isOwnOrMediaChannel(c));
  const agentPhones = channels.filter((c) => !ours.includes(c) && policy.isAgentPhone(c));
  const calls = channels.filter(
    (c) => !ours.includes(c) && !agentPhones.includes(c) && policy.isCall(c),
  );
  const others = channels.filter(
    (c) => !ours.includes(c) && !agentPhones.includes(c) && !calls.includes(c),
  );
  report.line(
    'INFO',
    server,
    `${channels.length} channels up: ${calls.length} customer calls${examples(calls)}, ` +
      `${agentPhones.length} agent phones${examples(agentPhones)}, ${ours.length} of taps, ` +
      `${others.length} other${examples(others)}`,
  );
  if (calls.length > 0 && agentPhones.length === 0) {
    report.line(
      'WARN',
      server,
      'calls are up but no agent phone was recognised: if agents are logged in, their phones would be taken for calls (see AGENT_PHONE_PATTERN)',
    );
  }
  return calls;
}

async function listenAndReport(
  rest: AriRestClient,
  config: AriIngestConfig,
  server: AriIngestConfig['ARI_SERVERS'][number],
  call: AriChannel,
  listen: DoctorListen,
  report: Report,
): Promise<void> {
  const subject = `${server.name} listen`;
  const host = listen.host ?? (await localAddressFacing(server.url));
  report.line(
    'INFO',
    subject,
    `listening to ${call.name} for ${listen.seconds} s (${config.TAP_CODEC} RTP to ${host})`,
  );
  try {
    const { tracks, left } = await listenToCall({
      rest,
      server,
      user: server.user ?? config.ARI_USER,
      password: server.password,
      channelId: call.id,
      app: `${config.ARI_APP}-doctor`,
      format: config.TAP_CODEC,
      host,
      seconds: listen.seconds,
    });
    for (const track of tracks) reportTrack(track, config.TAP_CODEC, subject, report);
    if (left.length === 0) report.line('PASS', subject, 'nothing of the tap left on the PBX');
    else report.line('FAIL', subject, `left on the PBX: ${left.join(', ')}`);
  } catch (error) {
    report.line('FAIL', subject, `could not tap ${call.name}: ${(error as Error).message}`);
  }
}

function reportTrack(heard: TrackHeard, format: string, subject: string, report: Report): void {
  const { track, packets, expected, wrongFormat } = heard;
  const counted = `${track}: ${packets} packets of ${expected} expected`;
  if (packets < expected / 2) {
    report.line(
      'FAIL',
      subject,
      `${counted}: little or no RTP arrived (is UDP from Asterisk to this machine open?)`,
    );
    return;
  }
  if (wrongFormat > 0) {
    report.line(
      'FAIL',
      subject,
      `${counted}, ${wrongFormat} not ${format} (payload type ${heard.firstPayloadType}, ${heard.firstPayloadBytes} bytes)`,
    );
    return;
  }
  const level = `level ${heard.levelDbfs.toFixed(1)} dBFS`;
  if (heard.levelDbfs <= SILENT_DBFS) {
    report.line(
      'WARN',
      subject,
      `${counted}, ${format} as asked, ${level}: silent (nobody talking, or the wrong channel)`,
    );
  } else report.line('PASS', subject, `${counted}, ${format} as asked, ${level}`);
}

async function checkDatabase(config: AriIngestConfig, policy: TapPolicy, report: Report) {
  const db = vicidialDataSource({
    url: config.VICIDIAL_DB_URL as string,
    connections: 1,
    connectTimeoutMs: config.VICIDIAL_DB_QUERY_TIMEOUT_MS,
  });
  try {
    await db.initialize();
    report.line('PASS', 'database', `VICIdial's database answers (${db.driver.database})`);
  } catch (error) {
    report.line('FAIL', 'database', `VICIdial's database: ${(error as Error).message}`);
    return;
  }
  try {
    for (const table of TABLES_READ) {
      try {
        await db.query(`SELECT 1 FROM ${table} LIMIT 0`);
        report.line('PASS', 'database', `can read ${table}`);
      } catch (error) {
        report.line('FAIL', 'database', `cannot read ${table}: ${(error as Error).message}`);
      }
    }
    try {
      const directory = new VicidialDirectory(db, config.VICIDIAL_DB_QUERY_TIMEOUT_MS);
      const phones = await directory.agentPhones();
      policy.useAgentPhones(phones);
      report.line('INFO', 'database', `${phones.size} agent phones logged in`);
    } catch {
      report.line('WARN', 'database', "agents' phones unknown: vicidial_live_agents unreadable");
    }
  } finally {
    await db.destroy();
  }
}
