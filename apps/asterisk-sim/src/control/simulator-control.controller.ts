import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { KeyPresses, keyPressesSchema, typeKeys } from '../calls/keypad';
import type { AsteriskSimConfig } from '../config/asterisk-sim.config';
import { ScenarioRun } from '../scenarios/scenario-run';
import { ScenarioSpec, scenarioSchema } from '../scenarios/scenario.schema';
import { SimulatorService } from '../simulator/simulator.service';
import { ControlAuthGuard } from './control-auth.guard';
import { FaultsRequest, faultsSchema, InjectedEvent, injectedEventSchema } from './faults.schema';
import { ZodBodyPipe } from './zod-body.pipe';

const SCENARIOS_KEPT = 50;

/** Start, watch and stop scenarios; inject faults; look inside the simulated servers. */
@Controller('sim')
@UseGuards(ControlAuthGuard)
export class SimulatorControlController {
  private readonly scenarios = new Map<string, ScenarioRun>();

  constructor(
    private readonly simulator: SimulatorService,
    @Inject(APP_CONFIG) private readonly config: AsteriskSimConfig,
  ) {}

  @Get('servers')
  servers() {
    return [...this.simulator.servers.values()].map((server) => ({
      name: server.pbx.name,
      asteriskId: server.pbx.asteriskId,
      ariUrl: `http://${this.config.SIM_BIND_HOST}:${server.port}/ari`,
      channels: server.pbx.channels.size,
      bridges: server.pbx.bridges.size,
      applications: server.pbx.connectedApps().map((app) => app.name),
      // Apps without a WebSocket that Asterisk still serves, and the events queued for them.
      lingeringApplications: server.pbx.lingeringApps().map((app) => ({
        name: app.name,
        subscriptions: app.subscriptions,
        queuedEvents: app.queuedEvents,
      })),
      httpSessions: server.httpSessions,
      httpSessionLimit: server.httpSessionLimit,
      httpSessionsRefused: server.httpSessionsRefused,
      faults: server.pbx.faults,
    }));
  }

  private server(name: string) {
    const server = this.simulator.servers.get(name);
    if (!server) throw new NotFoundException(`no simulated server named ${name}`);
    return server;
  }

  /** Drops every ARI WebSocket of the server without a close frame; Stasis channels survive. */
  @Post('servers/:name/websocket-drop')
  @HttpCode(200)
  dropWebSockets(@Param('name') name: string) {
    return { dropped: this.server(name).events.dropAll() };
  }

  /** All channels and bridges vanish and the server gets a new asterisk_id, as after a restart. */
  @Post('servers/:name/restart')
  @HttpCode(200)
  restart(@Param('name') name: string) {
    const server = this.server(name);
    server.pbx.restart();
    return { asteriskId: server.pbx.asteriskId };
  }

  private channelOf(name: string, channelId: string) {
    const pbx = this.server(name).pbx;
    if (!pbx.channels.has(channelId)) {
      throw new NotFoundException(`no channel ${channelId} on ${name}`);
    }
    return pbx;
  }

  /**
   * The far end of a channel types keys: each is reported as ChannelDtmfReceived when released,
   * as Asterisk does. Answers once the last key has been reported (or the channel is gone).
   */
  @Post('servers/:name/channels/:channelId/dtmf')
  @HttpCode(200)
  async typeKeys(
    @Param('name') name: string,
    @Param('channelId') channelId: string,
    @Body(new ZodBodyPipe(keyPressesSchema)) presses: KeyPresses,
  ) {
    return { reported: await typeKeys(this.channelOf(name, channelId), channelId, presses) };
  }

  /** A fault: an event of the given shape to the apps that see the channel. */
  @Post('servers/:name/channels/:channelId/events')
  @HttpCode(200)
  injectEvent(
    @Param('name') name: string,
    @Param('channelId') channelId: string,
    @Body(new ZodBodyPipe(injectedEventSchema)) event: InjectedEvent,
  ) {
    this.channelOf(name, channelId).injectEvent(event.type, channelId, event.fields);
    return { sent: event.type };
  }

  @Get('faults')
  faults() {
    return {
      rtp: this.simulator.rtp.faults,
      servers: Object.fromEntries([...this.simulator.servers].map(([n, s]) => [n, s.pbx.faults])),
    };
  }

  @Put('faults')
  setFaults(@Body(new ZodBodyPipe(faultsSchema)) request: FaultsRequest) {
    const targets = request.servers ?? [...this.simulator.servers.keys()];
    const servers = targets.map((name) => this.server(name));
    if (request.rtp) this.simulator.rtp.faults = { ...this.simulator.rtp.faults, ...request.rtp };
    if (request.ari)
      for (const server of servers) server.pbx.faults = { ...server.pbx.faults, ...request.ari };
    return this.faults();
  }

  @Post('scenarios')
  startScenario(@Body(new ZodBodyPipe(scenarioSchema)) spec: ScenarioSpec) {
    const servers = (spec.servers ?? [...this.simulator.servers.keys()]).map(
      (name) => this.server(name).pbx,
    );
    const run = new ScenarioRun(
      spec,
      servers,
      this.config.SIM_CALL_CODE_LAYOUT,
      this.simulator.ledger,
    ).start();
    this.scenarios.set(run.id, run);
    if (this.scenarios.size > SCENARIOS_KEPT) {
      const oldest = [...this.scenarios.values()].find((s) => s.status().state === 'finished');
      if (oldest) this.scenarios.delete(oldest.id);
    }
    return run.status();
  }

  @Get('scenarios')
  listScenarios() {
    return [...this.scenarios.values()].map((run) => run.status());
  }

  @Get('scenarios/:id')
  scenario(@Param('id') id: string, @Query('calls') calls?: string) {
    const run = this.scenarios.get(id);
    if (!run) throw new NotFoundException(`no scenario ${id}`);
    return calls === 'true' ? { ...run.status(), calls: run.calls } : run.status();
  }

  @Delete('scenarios/:id')
  stopScenario(@Param('id') id: string) {
    const run = this.scenarios.get(id);
    if (!run) throw new NotFoundException(`no scenario ${id}`);
    run.stop();
    return run.status();
  }

  /** RTP streams being sent and recently finished, with what each sent and what faults did to it. */
  @Get('streams')
  async streams() {
    return await this.simulator.rtp.reports();
  }
}
