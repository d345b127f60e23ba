import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AudioDefect } from '@asb/rtp';
import type { CallCodeLayout } from '../calls/vicidial-call-code';
import { CallOutcome, CallPlan, CallType, VicidialCall } from '../calls/vicidial-call';
import { AgentSeat, VicidialAgentLogin } from '../calls/vicidial-agent';
import { NO_LEDGER, VicidialLedger } from '../vicidial/vicidial-ledger';
import type { AsteriskInstance } from '../pbx/asterisk-instance';
import type { ScenarioSpec } from './scenario.schema';
import { SeededRandom } from './seeded-random';

export interface ScenarioCallRecord extends CallOutcome {
  server: string;
}

export interface ScenarioStatus {
  id: string;
  state: 'running' | 'stopping' | 'finished';
  spec: ScenarioSpec;
  placed: number;
  active: number;
  answered: number;
  ended: number;
  startedAt: string;
  finishedAt?: string;
}

const CAUSES_WHEN_UNANSWERED = [19, 17, 18];
/** VICIdial's first ConfBridge room; each agent of a server gets the next one. */
const FIRST_ROOM = 9600051;
const FIRST_USER = 1001;

/**
 * Places calls on the simulated servers at the scenario's rate and concurrency, with durations,
 * answers and call types drawn from its seeded generator, and keeps a record of every call.
 */
export class ScenarioRun {
  readonly id = randomUUID();
  readonly calls: ScenarioCallRecord[] = [];
  private readonly random: SeededRandom;
  private readonly logger = new Logger(`Scenario`);
  private state: ScenarioStatus['state'] = 'running';
  private placed = 0;
  private active = 0;
  private readonly startedAt = new Date();
  private finishedAt?: Date;
  private timer?: NodeJS.Timeout;
  private lastProgress = 0;
  /** The logged-in agents of each server, by server name. */
  private readonly agents = new Map<string, VicidialAgentLogin[]>();
  private readonly busyAgents = new Set<AgentSeat>();
  /** Per server: whose turn it is to get the next call. */
  private readonly turns = new Map<string, number>();
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly spec: ScenarioSpec,
    private readonly servers: AsteriskInstance[],
    private readonly codeLayout: CallCodeLayout,
    private readonly ledger: VicidialLedger = NO_LEDGER,
  ) {
    this.random = new SeededRandom(spec.seed);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  start(): this {
    this.logAgentsIn();
    const intervalMs = 1000 / this.spec.arrivalRate;
    let due = 0;
    const startedAt = performance.now();
    // One timer places every call that is due, so high rates do not need one timer per call.
    this.timer = setInterval(
      () => {
        const target = Math.floor((performance.now() - startedAt) / intervalMs) + 1;
        while (
          due < target &&
          this.state === 'running' &&
          this.placed < this.spec.totalCalls &&
          this.active < this.spec.concurrency
        ) {
          due += 1;
          this.placeCall();
        }
        if (due < target && this.active >= this.spec.concurrency) due = target;
        if (this.placed >= this.spec.totalCalls || this.state !== 'running') this.stopPlacing();
        this.maybeLogProgress();
      },
      Math.max(5, Math.min(50, intervalMs)),
    );
    return this;
  }

  /**
   * The server's next agent in turn who is not on a call, as VICIdial sends a call only to a
   * free agent; when all are busy (more calls at once than agents), the next in turn.
   */
  private nextAgent(server: string): AgentSeat {
    const seats = (this.agents.get(server) ?? []).map((login) => login.seat);
    const turn = this.turns.get(server) ?? 0;
    this.turns.set(server, turn + 1);
    for (let i = 0; i < seats.length; i += 1) {
      const seat = seats[(turn + i) % seats.length];
      if (!this.busyAgents.has(seat)) return seat;
    }
    return seats[turn % seats.length];
  }

  private logAgentsIn(): void {
    let user = FIRST_USER;
    const seats = new Map<AsteriskInstance, AgentSeat[]>();
    for (const server of this.servers) {
      const ofServer: AgentSeat[] = [];
      for (let i = 0; i < this.spec.agentsPerServer; i += 1, user += 1) {
        ofServer.push({
          user: String(user),
          phone: `SIP/${user}`,
          room: String(FIRST_ROOM + i),
          campaign: this.spec.campaigns[i % this.spec.campaigns.length],
        });
      }
      seats.set(server, ofServer);
    }
    this.ledger.prepare(this.spec.campaigns, this.spec.inGroups, [...seats.values()].flat());
    for (const [server, ofServer] of seats) {
      const logins = ofServer.map((seat) => new VicidialAgentLogin(server, seat, this.ledger));
      for (const login of logins) login.login();
      this.agents.set(server.name, logins);
    }
  }

  /** A defect for a call's audio as the scenario's shares ask, on one side; mostly none. */
  private drawAudioDefect(): CallPlan['audioDefect'] {
    const shares = Object.entries(this.spec.audioDefects) as [AudioDefect, number][];
    if (shares.length === 0) return undefined;
    let draw = this.random.next();
    for (const [defect, share] of shares) {
      draw -= share;
      if (draw < 0) return { voice: this.random.chance(0.5) ? 'caller' : 'agent', defect };
    }
    return undefined;
  }

  private placeCall(): void {
    const spec = this.spec;
    const server = this.servers[this.placed % this.servers.length];
    const agent = this.nextAgent(server.name);
    this.busyAgents.add(agent);
    const type = this.random.weighted(spec.mix as Record<CallType, number>);
    const answered = this.random.chance(spec.answerRatio);
    const plan: CallPlan = {
      type,
      number: `312555${String(this.random.integer(0, 9999)).padStart(4, '0')}`,
      leadId: this.random.integer(1, 99_999_999),
      campaign: agent.campaign,
      agent,
      answered,
      ringMs: this.random.integer(spec.ringMs.min, spec.ringMs.max),
      talkMs: this.random.integer(spec.talkMs.min, spec.talkMs.max),
      hangupBy: this.random.chance(spec.agentHangupRatio) ? 'agent' : 'customer',
      cause: answered
        ? 16
        : CAUSES_WHEN_UNANSWERED[this.random.integer(0, CAUSES_WHEN_UNANSWERED.length - 1)],
      codeLayout: this.codeLayout,
      callCodeDelayMs: this.random.integer(spec.callCodeDelayMs.min, spec.callCodeDelayMs.max),
      inGroup:
        type === 'inbound'
          ? spec.inGroups[this.random.integer(0, spec.inGroups.length - 1)]
          : undefined,
      disposition: spec.dispositions[this.random.integer(0, spec.dispositions.length - 1)],
      dispositionDelayMs: this.random.integer(
        spec.dispositionDelayMs.min,
        spec.dispositionDelayMs.max,
      ),
    };
    // Drawn last, and only when asked for: a seed gives the calls it gave before these existed.
    const dialled = answered && type !== 'inbound';
    if (dialled && spec.parkRatio > 0 && this.random.chance(spec.parkRatio)) {
      plan.park = {
        afterMs: Math.floor(plan.talkMs * 0.2),
        forMs: Math.min(2000, Math.floor(plan.talkMs * 0.1)),
      };
    }
    if (dialled && spec.transferRatio > 0 && this.random.chance(spec.transferRatio)) {
      plan.transfer = this.planTransfer(server, plan.talkMs);
    }
    if (answered) plan.audioDefect = this.drawAudioDefect();
    const { keyPresses } = spec;
    if (answered && keyPresses && this.random.chance(keyPresses.ratio)) {
      plan.keyPresses = {
        digits: keyPresses.digits,
        durationMs: keyPresses.durationMs,
        gapMs: keyPresses.gapMs,
        afterMs: keyPresses.afterMs,
      };
    }
    const transfer = plan.transfer;
    const call = new VicidialCall(server, plan, this.ledger);
    this.placed += 1;
    this.active += 1;
    const record: ScenarioCallRecord = { ...call.outcome, server: server.name };
    this.calls.push(record);
    void call
      .run()
      .then((outcome) => Object.assign(record, outcome))
      .catch((error: unknown) =>
        this.logger.error(`call failed in the simulator: ${(error as Error).message}`),
      )
      .finally(() => {
        this.busyAgents.delete(agent);
        if (transfer) this.busyAgents.delete(transfer.agent);
        this.active -= 1;
        if (this.active === 0 && this.state !== 'running') this.finish();
      });
  }

  /** An in-group and a free agent for it, on this server or (by the ratio) the next one. */
  private planTransfer(server: AsteriskInstance, talkMs: number): CallPlan['transfer'] {
    const spec = this.spec;
    const elsewhere =
      this.servers.length > 1 && this.random.chance(spec.transferElsewhereRatio)
        ? this.servers[(this.servers.indexOf(server) + 1) % this.servers.length]
        : undefined;
    const agent = this.nextAgent((elsewhere ?? server).name);
    this.busyAgents.add(agent);
    return {
      afterMs: Math.floor(talkMs * 0.4),
      inGroup: spec.inGroups[this.random.integer(0, spec.inGroups.length - 1)],
      agent,
      server: elsewhere,
    };
  }

  private stopPlacing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.state === 'running') this.state = 'stopping';
    if (this.active === 0) this.finish();
  }

  private finish(): void {
    if (this.state === 'finished') return;
    this.state = 'finished';
    this.finishedAt = new Date();
    for (const logins of this.agents.values()) for (const login of logins) login.logout();
    this.logger.log(
      `scenario ${this.id} finished: ${this.placed} calls, ${this.countAnswered()} answered`,
    );
    this.resolveDone();
  }

  private maybeLogProgress(): void {
    if (Date.now() - this.lastProgress < 5000) return;
    this.lastProgress = Date.now();
    this.logger.log(
      `scenario ${this.id}: ${this.placed}/${this.spec.totalCalls} placed, ${this.active} active`,
    );
  }

  /** Stops placing calls; calls in progress run to their planned end. */
  stop(): void {
    this.state = this.state === 'finished' ? 'finished' : 'stopping';
    this.stopPlacing();
  }

  private countAnswered(): number {
    return this.calls.filter((c) => c.answeredAt !== undefined).length;
  }

  status(): ScenarioStatus {
    return {
      id: this.id,
      state: this.state,
      spec: this.spec,
      placed: this.placed,
      active: this.active,
      answered: this.countAnswered(),
      ended: this.calls.filter((c) => c.endedAt !== undefined).length,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt?.toISOString(),
    };
  }
}
