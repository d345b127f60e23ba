import { execFile } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { dropMariaDatabase, eventually, freshMariaDatabase, MARIADB_ADMIN_URL } from '@asb/testing';
import { BridgeStack } from './support/bridge-stack';
import { distMain, NATS_URL } from './support/workspace';

const run = promisify(execFile);

/** `ari-ingest doctor` with these settings: its exit code and what it printed. */
async function doctor(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [distMain('ari-ingest'), 'doctor', ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '' };
  }
}

/**
 * The doctor against a running (simulated) VICIdial: agents logged in, calls up, its database.
 * It must tell calls from agents' phones, find what is wrong, and change nothing.
 */
describe('ari-ingest doctor against a live VICIdial', () => {
  const database = `asb_e2e_doctor_${process.pid}_${randomBytes(3).toString('hex')}`;
  const limitedUser = `asbdoc${randomBytes(3).toString('hex')}`;
  const limitedPassword = randomBytes(12).toString('base64url');
  let vicidialUrl: string;
  let stack: BridgeStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    vicidialUrl = await freshMariaDatabase(database);
    stack = new BridgeStack({
      servers: ['pbx1'],
      env: { 'asterisk-sim': { SIM_VICIDIAL_DB_URL: vicidialUrl } },
    });
    await stack.start();
    env = {
      NATS_SERVERS: NATS_URL,
      ARI_SERVERS: `pbx1=http://127.0.0.1:${stack.ariPorts.get('pbx1')}`,
      ARI_PASSWORD: stack.password,
      ARI_APP: stack.app,
      VICIDIAL_DB_URL: vicidialUrl,
    };
    await stack.control('POST', '/sim/scenarios', {
      totalCalls: 3,
      concurrency: 3,
      arrivalRate: 20,
      ringMs: { min: 50, max: 100 },
      talkMs: { min: 60_000, max: 60_000 },
      answerRatio: 1,
      mix: { outbound: 1 },
      agentsPerServer: 4,
    });
    await eventually(
      async () =>
        (await stack.ari<Array<{ name: string; state: string }>>('pbx1', '/channels')).filter(
          (c) => c.name.startsWith('SIP/carrier-') && c.state === 'Up',
        ).length === 3,
      20_000,
      'three answered calls',
    );
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    stack?.kill();
    const admin = await createConnection(MARIADB_ADMIN_URL);
    await admin.query(`DROP USER IF EXISTS '${limitedUser}'@'%'`);
    await admin.end();
    await dropMariaDatabase(database);
  });

  // The stack's ari-ingest taps the calls meanwhile: its channels (asb-…) are not the doctor's.
  const notTaps = async () =>
    (await stack.ari<Array<{ id: string }>>('pbx1', '/channels'))
      .filter((c) => !c.id.startsWith('asb-'))
      .map((c) => c.id)
      .sort();

  it('passes, telling the three calls from the four agent phones, and changes nothing', async () => {
    const before = await notTaps();
    const { code, out } = await doctor(env);
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/PASS\s+pbx1\s+ARI at http:\/\/127\.0\.0\.1:\d+ answers/);
    expect(out).toMatch(
      /PASS\s+pbx1\s+Asterisk 18\.26\.4-vici, snoop and externalMedia modules loaded/,
    );
    expect(out).toMatch(/INFO\s+pbx1\s+application e2e\w+ is registered/);
    expect(out).toMatch(/3 customer calls \(SIP\/carrier-/);
    expect(out).toMatch(/4 agent phones \(SIP\/10\d\d-/);
    expect(out).toMatch(/PASS\s+database\s+can read vicidial_closer_log/);
    expect(out).toMatch(/INFO\s+database\s+4 agent phones logged in/);
    expect(out).toContain('All checks passed.');
    expect(await notTaps()).toEqual(before);
  });

  it('listens to one call when asked: both tracks heard in the format asked for, nothing left behind', async () => {
    const bridges = async () =>
      (await stack.ari<Array<{ id: string }>>('pbx1', '/bridges'))
        .filter((b) => !b.id.startsWith('asb-'))
        .map((b) => b.id);
    const before = await notTaps();
    const { code, out } = await doctor(env, ['--listen=2']);
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(
      /INFO\s+pbx1 listen\s+listening to SIP\/carrier-\S+ for 2 s \(ulaw RTP to 127\.0\.0\.1\)/,
    );
    // The simulator plays speech on both: each track arrives, as asked, and is not silent.
    for (const track of ['caller', 'agent']) {
      const line = new RegExp(
        `PASS\\s+pbx1 listen\\s+${track}: (\\d+) packets of 100 expected, ulaw as asked, level (-\\d+\\.\\d) dBFS`,
      ).exec(out);
      expect(line).not.toBeNull();
      expect(Number(line?.[1])).toBeGreaterThanOrEqual(60);
      expect(Number(line?.[2])).toBeGreaterThan(-40);
    }
    expect(out).toMatch(/PASS\s+pbx1 listen\s+nothing of the tap left on the PBX/);
    expect(await notTaps()).toEqual(before);
    expect(await bridges()).toEqual([]);
  });

  it("checks what AudioSocket taps need: the Asterisk modules and the gateways' address", async () => {
    const listening = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as AddressInfo;
    const overTcp = {
      ...env,
      TAP_TRANSPORT: 'audiosocket',
      TAP_AUDIOSOCKET_ADDRESS: `127.0.0.1:${port}`,
    };
    try {
      const { code, out } = await doctor(overTcp);
      expect({ code, out }).toMatchObject({ code: 0 });
      expect(out).toMatch(
        /PASS\s+pbx1\s+Asterisk 18\.26\.4-vici, snoop and AudioSocket modules loaded/,
      );
      expect(out).toMatch(/PASS\s+audiosock\s+127\.0\.0\.1:\d+ accepts connections from this host/);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
    const closed = await doctor(overTcp);
    expect(closed.out).toMatch(
      /WARN\s+audiosock\s+127\.0\.0\.1:\d+ does not accept connections from this host: .*ECONNREFUSED/,
    );
  });

  it('refuses arguments it does not know, and says what it takes', async () => {
    const { code, out } = await doctor(env, ['--listen=0']);
    expect(code).toBe(64);
    expect(out).toMatch(/FAIL\s+arguments\s+--listen takes whole seconds from 1 to 60, not "0"/);
  });

  it('fails on wrong ARI credentials and on a database user without the grant, naming them', async () => {
    const admin = await createConnection(MARIADB_ADMIN_URL);
    await admin.query(`CREATE USER '${limitedUser}'@'%' IDENTIFIED BY '${limitedPassword}'`);
    await admin.query(
      `GRANT SELECT ON \`${database}\`.vicidial_auto_calls TO '${limitedUser}'@'%'`,
    );
    await admin.end();
    const limited = new URL(vicidialUrl);
    limited.username = limitedUser;
    limited.password = limitedPassword;
    const { code, out } = await doctor({
      ...env,
      ARI_PASSWORD: 'wrong',
      VICIDIAL_DB_URL: limited.toString(),
    });
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL\s+pbx1\s+ARI at .*Authentication required/);
    expect(out).toMatch(/WARN\s+database\s+agents' phones unknown/);
    expect(out).toMatch(/PASS\s+database\s+can read vicidial_auto_calls/);
    expect(out).toMatch(/FAIL\s+database\s+cannot read vicidial_log: .*denied/i);
    expect(out).not.toContain(limitedPassword);
    expect(out).toContain('Some checks failed.');
  });

  it('names a broken setting and exits 78', async () => {
    const { code, out } = await doctor({ ...env, VICIDIAL_DB_URL: 'postgres://nope' });
    expect(code).toBe(78);
    expect(out).toMatch(/FAIL\s+config\s+VICIDIAL_DB_URL: must be a mysql:\/\/ URL/);
  });
});
