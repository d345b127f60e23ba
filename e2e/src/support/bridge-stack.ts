import { randomBytes } from 'node:crypto';
import type { TapStarted } from '@asb/contracts';
import { freePort } from '@asb/testing';
import { ServiceProcess } from './service-process';
import { NATS_URL } from './workspace';

export interface StackOptions {
  /** Simulated Asterisk servers. */
  servers: string[];
  /** Extra settings per service. */
  env?: Partial<Record<'asterisk-sim' | 'media-gateway' | 'ari-ingest', Record<string, string>>>;
  /** Also runs call-logger with these settings (DATABASE_URL, RECORDINGS_DIR, ...). */
  callLogger?: Record<string, string>;
  /** Also runs dashboard-api with these settings (DATABASE_URL, DASHBOARD_JWT_SECRET, ...). */
  dashboardApi?: Record<string, string>;
  /** Also runs stream-egress with these settings (EGRESS_ROUTES, EGRESS_INBOUND_TOKENS, ...). */
  streamEgress?: Record<string, string>;
  /** The NATS every service uses unless its settings say otherwise (the run's by default). */
  natsUrl?: string;
}

export interface ScenarioCall {
  server: string;
  trunkChannelId: string;
  trunkChannelName: string;
  callCode: string;
  answeredAt?: number;
  endedAt?: number;
  cause?: number;
  plan: {
    type: string;
    number: string;
    leadId: number;
    answered: boolean;
    transfer?: { inGroup: string; agent: { user: string; room: string }; server?: string };
    park?: { afterMs: number; forMs: number };
  };
  /** A transfer to an in-group, and the IAX2 legs one to another server made. */
  transferredAt?: number;
  legs?: Array<{ server: string; channelId: string; channelName: string }>;
  parkedAt?: number;
  grabbedAt?: number;
}

/** A UDP port range unlikely to collide with another stack running at the same time. */
function portRange(size: number): [number, number] {
  const start = 20_000 + Math.floor(Math.random() * 30_000);
  return [start, start + size - 1];
}

/**
 * The bridge's live-audio path as separate processes, as deployed: the Asterisk simulator with
 * its servers, a media-gateway and ari-ingest (optionally call-logger and dashboard-api too),
 * all on the real NATS. Each stack has its own ARI
 * app name, so stacks of different test files never share a lease or an app.
 */
export class BridgeStack {
  readonly password = randomBytes(9).toString('base64url');
  readonly app = `e2e${randomBytes(4).toString('hex')}`;
  readonly processes = new Map<string, ServiceProcess>();
  readonly ariPorts = new Map<string, number>();
  sim!: ServiceProcess;
  gateway!: ServiceProcess;
  ingest!: ServiceProcess;
  /** Set when the options asked for it. */
  callLogger?: ServiceProcess;
  dashboardApi?: ServiceProcess;
  streamEgress?: ServiceProcess;

  constructor(private readonly options: StackOptions) {}

  /** `ingestReady: false`: do not wait for ari-ingest to be ready (a test expects it not to be). */
  async start({ ingestReady = true }: { ingestReady?: boolean } = {}): Promise<this> {
    for (const server of this.options.servers) this.ariPorts.set(server, await freePort());
    const [rtpMin, rtpMax] = portRange(4000);
    const [gwMin, gwMax] = [rtpMin + 2000, rtpMax];
    this.sim = await this.spawn('asterisk-sim', {
      SIM_SERVERS: [...this.ariPorts].map(([name, port]) => `${name}:${port}`).join(','),
      SIM_ARI_PASSWORD: this.password,
      SIM_RTP_PORT_MIN: String(rtpMin),
      SIM_RTP_PORT_MAX: String(rtpMin + 1999),
      ...this.options.env?.['asterisk-sim'],
    });
    this.gateway = await this.spawn('media-gateway', {
      GATEWAY_ID: `gw-${this.app}`,
      GATEWAY_BIND_HOST: '127.0.0.1',
      GATEWAY_ADVERTISED_HOST: '127.0.0.1',
      GATEWAY_PORT_MIN: String(gwMin),
      GATEWAY_PORT_MAX: String(gwMax),
      ...this.options.env?.['media-gateway'],
    });
    if (this.options.callLogger) {
      this.callLogger = await this.spawn('call-logger', this.options.callLogger);
    }
    if (this.options.dashboardApi) {
      this.dashboardApi = await this.spawn('dashboard-api', this.options.dashboardApi);
    }
    await Promise.all(
      [this.sim, this.gateway, this.callLogger, this.dashboardApi]
        .filter((service): service is ServiceProcess => service !== undefined)
        .map((service) => service.waitFor('/health/ready')),
    );
    this.ingest = await this.startIngest();
    if (ingestReady) await this.ingest.waitFor('/health/ready');
    else await this.ingest.waitFor('/health/live');
    if (this.options.streamEgress) {
      // After ari-ingest, which provisions the call events stream stream-egress reads.
      this.streamEgress = await this.spawn('stream-egress', this.options.streamEgress);
      await this.streamEgress.waitFor('/health/ready');
    }
    return this;
  }

  /** Starts another media-gateway beside the stack's own, with ports of its own. */
  async startGateway(id: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const [min, max] = portRange(1000);
    const gateway = await this.spawn('media-gateway', {
      GATEWAY_ID: `${id}-${this.app}`,
      GATEWAY_BIND_HOST: '127.0.0.1',
      GATEWAY_ADVERTISED_HOST: '127.0.0.1',
      GATEWAY_PORT_MIN: String(min),
      GATEWAY_PORT_MAX: String(max),
      ...this.options.env?.['media-gateway'],
      ...env,
    });
    await gateway.waitFor('/health/ready');
    return gateway;
  }

  /**
   * Kills (-9), as a node failure would, whichever of the stack's gateway and `second` holds
   * more of `taps`, and makes the other the stack's gateway. Returns the killed one's id.
   */
  async killBusierGateway(second: ServiceProcess, taps: TapStarted[]): Promise<string> {
    const byGateway = new Map<string, number>();
    for (const tap of taps)
      if (tap.gateway)
        byGateway.set(tap.gateway.gatewayId, (byGateway.get(tap.gateway.gatewayId) ?? 0) + 1);
    const [victimId] = [...byGateway].sort((a, b) => b[1] - a[1])[0];
    const secondId = `gw2-${this.app}`;
    const victim = victimId === secondId ? second : this.gateway;
    const survivor = victim === second ? this.gateway : second;
    victim.kill();
    await victim.exit();
    this.gateway = survivor;
    return victimId;
  }

  /** Starts (another) ari-ingest on this stack's servers and app. */
  startIngest(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return this.spawn('ari-ingest', {
      ARI_SERVERS: [...this.ariPorts]
        .map(([name, port]) => `${name}=http://127.0.0.1:${port}`)
        .join(','),
      ARI_PASSWORD: this.password,
      ARI_APP: this.app,
      LEADER_LEASE_TTL_MS: '3000',
      ...this.options.env?.['ari-ingest'],
      ...env,
    });
  }

  private async spawn(app: string, env: Record<string, string>): Promise<ServiceProcess> {
    const process = new ServiceProcess(app, {
      HTTP_PORT: String(await freePort()),
      NATS_SERVERS: this.options.natsUrl ?? NATS_URL,
      ...env,
    }).start();
    const key = this.processes.has(app) ? `${app}#${this.processes.size}` : app;
    this.processes.set(key, process);
    return process;
  }

  /** Calls the simulator's control API with the stack's credentials. */
  async control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.sim.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`asterisk:${this.password}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Runs a scenario to its end and returns every call it placed. */
  async runScenario(spec: Record<string, unknown>, timeoutMs = 60_000): Promise<ScenarioCall[]> {
    return this.finishScenario(await this.startScenario(spec), timeoutMs);
  }

  /** Starts a scenario on the simulator; returns its id. */
  async startScenario(spec: Record<string, unknown>): Promise<string> {
    return (await this.control<{ id: string }>('POST', '/sim/scenarios', spec)).id;
  }

  /** Waits for a scenario's last call to end and returns every call it placed. */
  async finishScenario(id: string, timeoutMs = 60_000): Promise<ScenarioCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.control<{ state: string; calls: ScenarioCall[] }>(
        'GET',
        `/sim/scenarios/${id}?calls=true`,
      );
      if (status.state === 'finished') return status.calls;
      if (Date.now() > deadline)
        throw new Error(`scenario ${id} did not finish in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Kills (-9) the stack's gateway and starts it again with the same settings (its ports too);
   * returns when it was killed and when the new one was ready.
   */
  async restartGateway(): Promise<{ killedAt: number; backAt: number }> {
    const killedAt = Date.now();
    this.gateway.kill();
    await this.gateway.exit();
    const restarted = this.gateway.restarted();
    this.processes.set('media-gateway', restarted);
    this.gateway = restarted;
    await restarted.waitFor('/health/ready');
    return { killedAt, backAt: Date.now() };
  }

  /** Sum of a Prometheus metric's samples whose line matches, e.g. `name{...reason="x"...}`. */
  async metric(service: ServiceProcess, name: string, labelFilter = ''): Promise<number> {
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (labelFilter && !line.includes(labelFilter)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  /** GET on a simulated server's ARI, as an ARI client would. */
  async ari<T>(server: string, path: string): Promise<T> {
    const response = await this.ariRequest(server, 'GET', path);
    return (await response.json()) as T;
  }

  /** Any request to a simulated server's ARI, as another ARI client would make it. */
  async ariRequest(server: string, method: string, path: string): Promise<Response> {
    const response = await fetch(`http://127.0.0.1:${this.ariPorts.get(server)}/ari${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`asterisk:${this.password}`).toString('base64')}`,
      },
    });
    if (!response.ok) {
      throw new Error(`ARI ${method} ${path}: ${response.status} ${await response.text()}`);
    }
    return response;
  }

  /** Channels and bridges left on the simulated servers. */
  async leftovers(): Promise<Array<[string, number, number]>> {
    const servers = await this.control<Array<{ name: string; channels: number; bridges: number }>>(
      'GET',
      '/sim/servers',
    );
    return servers.map((s) => [s.name, s.channels, s.bridges]);
  }

  /** Waits until no server holds a channel or bridge (or the time is up) and returns what is left. */
  async settle(timeoutMs = 10_000): Promise<Array<[string, number, number]>> {
    const deadline = Date.now() + timeoutMs;
    let left = await this.leftovers();
    while (left.some(([, channels, bridges]) => channels + bridges > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = await this.leftovers();
    }
    for (const [server, channels, bridges] of left) {
      if (channels + bridges === 0) continue;
      // Counts alone do not say what stayed: name it, for whoever reads a failed run.
      const named = [
        ...(await this.ari<Array<{ id: string; name: string; state: string }>>(
          server,
          '/channels',
        )),
        ...(await this.ari<Array<{ id: string; bridge_type: string }>>(server, '/bridges')),
      ];
      process.stderr.write(`left on ${server} after ${timeoutMs} ms: ${JSON.stringify(named)}\n`);
    }
    return left;
  }

  async stop(): Promise<void> {
    const running = [...this.processes.values()];
    const order = [
      'stream-egress',
      'ari-ingest',
      'media-gateway',
      'asterisk-sim',
      'call-logger',
      'dashboard-api',
    ];
    for (const app of order) {
      await Promise.all(
        running.filter((p) => p.app === app).map((p) => p.stop().catch(() => undefined)),
      );
    }
  }

  kill(): void {
    for (const process of this.processes.values()) process.kill();
  }

  /**
   * Stops every process with `signal`, as Ctrl-C stops the demo (the simulated PBX and its calls
   * go too), then starts them all again with the same settings and waits until each is ready.
   * ari-ingest stops first, so no call's end is seen: the worst case of a Ctrl-C, which signals
   * all at once.
   */
  async restartAll(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    await this.ingest.stop(signal);
    await Promise.all([...this.processes.values()].map((p) => p.stop(signal)));
    for (const [key, old] of this.processes) this.processes.set(key, old.restarted());
    const named = (app: string) => this.processes.get(app);
    this.sim = named('asterisk-sim') as ServiceProcess;
    this.gateway = named('media-gateway') as ServiceProcess;
    this.ingest = named('ari-ingest') as ServiceProcess;
    this.callLogger = named('call-logger');
    this.dashboardApi = named('dashboard-api');
    this.streamEgress = named('stream-egress');
    await Promise.all(
      [...this.processes.values()].map((p) => p.waitFor('/health/ready', 200, 40_000)),
    );
  }
}
