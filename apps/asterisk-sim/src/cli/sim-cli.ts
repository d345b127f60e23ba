import { parseArgs } from 'node:util';

/* eslint-disable no-console -- a command-line tool prints to the terminal */

const USAGE = `asterisk-sim control

usage: node dist/apps/asterisk-sim/cli.js <command> [options]

commands:
  servers                      the simulated Asterisk servers and what they hold
  run [scenario options]       start a scenario and follow it to its end
  status <id>                  one scenario's progress
  stop <id>                    stop placing calls (calls in progress end normally)
  faults [fault options]       show, or set, injected faults
  drop-websockets <server>     drop every ARI WebSocket of a server, abruptly
  restart <server>             restart a server (all channels gone, new asterisk_id)

scenario options: --calls N --concurrency N --rate N (calls/s) --talk MIN-MAX (ms)
  --ring MIN-MAX (ms) --answer RATIO --seed N --servers a,b --detach
fault options: --loss % --duplicate % --reorder % --jitter MS --stasis-delay MS --stasis-entry MS
  --stasis-before-reply true|false --rest-delay MS --rest-failure RATIO

connection: --url (default $SIM_CONTROL_URL or http://127.0.0.1:8090),
  --user (default $SIM_ARI_USER or asterisk), password from $SIM_ARI_PASSWORD`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env['SIM_CONTROL_URL'] ?? 'http://127.0.0.1:8090' },
    user: { type: 'string', default: process.env['SIM_ARI_USER'] ?? 'asterisk' },
    calls: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    talk: { type: 'string' },
    ring: { type: 'string' },
    answer: { type: 'string' },
    seed: { type: 'string' },
    servers: { type: 'string' },
    detach: { type: 'boolean', default: false },
    loss: { type: 'string' },
    duplicate: { type: 'string' },
    reorder: { type: 'string' },
    jitter: { type: 'string' },
    'stasis-delay': { type: 'string' },
    'stasis-entry': { type: 'string' },
    'stasis-before-reply': { type: 'string' },
    'rest-delay': { type: 'string' },
    'rest-failure': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const password = process.env['SIM_ARI_PASSWORD'];
const authorization = `Basic ${Buffer.from(`${values.user}:${password ?? ''}`).toString('base64')}`;

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${values.url}${path}`, {
    method,
    headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const num = (value: string | undefined) => (value === undefined ? undefined : Number(value));
function range(value: string | undefined) {
  if (value === undefined) return undefined;
  const [min, max = min] = value.split('-').map(Number);
  return { min, max };
}
const defined = (object: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

interface Status {
  id: string;
  state: string;
  placed: number;
  active: number;
  answered: number;
  ended: number;
  spec: { totalCalls: number };
}

async function follow(id: string): Promise<void> {
  for (;;) {
    const status = (await api('GET', `/sim/scenarios/${id}`)) as Status;
    console.log(
      `${new Date().toISOString()} ${status.state.padEnd(9)} placed ${status.placed}/${status.spec.totalCalls}  active ${status.active}  answered ${status.answered}  ended ${status.ended}`,
    );
    if (status.state === 'finished') return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main(): Promise<void> {
  const [command, argument] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (!password) throw new Error('set SIM_ARI_PASSWORD to the simulator ARI password');
  switch (command) {
    case 'servers':
      console.table(await api('GET', '/sim/servers'));
      return;
    case 'run': {
      const spec = defined({
        totalCalls: num(values.calls),
        concurrency: num(values.concurrency),
        arrivalRate: num(values.rate),
        talkMs: range(values.talk),
        ringMs: range(values.ring),
        answerRatio: num(values.answer),
        seed: num(values.seed),
        servers: values.servers?.split(','),
      });
      const status = (await api('POST', '/sim/scenarios', spec)) as Status;
      console.log(`scenario ${status.id} started`);
      if (!values.detach) await follow(status.id);
      return;
    }
    case 'status':
      console.log(JSON.stringify(await api('GET', `/sim/scenarios/${argument}`), null, 2));
      return;
    case 'stop':
      console.log(JSON.stringify(await api('DELETE', `/sim/scenarios/${argument}`), null, 2));
      return;
    case 'faults': {
      const rtp = defined({
        lossPercent: num(values.loss),
        duplicatePercent: num(values.duplicate),
        reorderPercent: num(values.reorder),
        jitterMs: num(values.jitter),
      });
      const ari = defined({
        stasisStartDelayMs: num(values['stasis-delay']),
        stasisEntryMs: num(values['stasis-entry']),
        stasisStartBeforeReply:
          values['stasis-before-reply'] === undefined
            ? undefined
            : values['stasis-before-reply'] === 'true',
        restDelayMs: num(values['rest-delay']),
        restFailureRate: num(values['rest-failure']),
      });
      const change = defined({
        rtp: Object.keys(rtp).length ? rtp : undefined,
        ari: Object.keys(ari).length ? ari : undefined,
        servers: values.servers?.split(','),
      });
      console.log(
        JSON.stringify(
          Object.keys(change).length
            ? await api('PUT', '/sim/faults', change)
            : await api('GET', '/sim/faults'),
          null,
          2,
        ),
      );
      return;
    }
    case 'drop-websockets':
      console.log(JSON.stringify(await api('POST', `/sim/servers/${argument}/websocket-drop`)));
      return;
    case 'restart':
      console.log(JSON.stringify(await api('POST', `/sim/servers/${argument}/restart`)));
      return;
    default:
      throw new Error(`unknown command ${command}\n\n${USAGE}`);
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
