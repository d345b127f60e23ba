import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { AudioDefect } from '@asb/rtp';
import { FixtureVoice, voiceWithDefect } from '../media/fixture-library';
import type { AsteriskInstance } from '../pbx/asterisk-instance';
import type { SimChannel } from '../pbx/sim-channel';
import { LedgerCall, NO_LEDGER, VicidialLedger } from '../vicidial/vicidial-ledger';
import { KeyPresses, typeKeys } from './keypad';
import type { AgentSeat } from './vicidial-agent';
import { CallCodeLayout, vicidialCallCode } from './vicidial-call-code';

export const CALL_TYPES = ['outbound', 'manual', 'inbound'] as const;
export type CallType = (typeof CALL_TYPES)[number];

const TYPE_LETTER: Record<CallType, string> = { outbound: 'V', manual: 'M', inbound: 'Y' };

/**
 * VICIdial's default campaign dial prefix: it dials `Local/<prefix><number>@default`, and the
 * carrier's dialplan (`_91NXXNXXXXXX` ... `Dial(SIP/carrier/${EXTEN:1})`) cuts it off again.
 */
const VICIDIAL_DIAL_PREFIX = '9';

export interface CallPlan {
  type: CallType;
  /**
   * The customer's number; for dialled calls as VICIdial dials it after the dial prefix (with
   * the phone code unless the campaign omits it), which is what the carrier is sent.
   */
  number: string;
  leadId: number;
  campaign: string;
  /** The agent the answered call is sent to, whose phone is in their room already. */
  agent: AgentSeat;
  /** Inbound calls: the in-group they come in on. */
  inGroup?: string;
  /** The status the agent gives the call in VICIdial's log after it ends, and when. */
  disposition: string;
  dispositionDelayMs: number;
  answered: boolean;
  ringMs: number;
  talkMs: number;
  hangupBy: 'customer' | 'agent';
  /**
   * Inbound calls: how long after the answer VICIdial's inbound AGI sets the call code as the
   * caller-id name (ChannelCallerId after the change to Up). Dialled calls have it at the answer.
   */
  callCodeDelayMs: number;
  /** Cause when the customer hangs up or the call is not answered (16, 17 busy, 19 no answer). */
  cause: number;
  codeLayout: CallCodeLayout;
  /**
   * Dialled calls: sent on to an in-group mid-call (`afterMs` into the talk), as VICIdial's LOCAL
   * CLOSER transfer does. The customer's channel itself moves (an AMI Redirect: the Local pair
   * that dialled it goes), VICIdial's inbound AGI renames it J… then Y… with the same lead, and
   * it joins the closer's room: on this server, or through an IAX2 trunk on `server`, where the
   * call arrives as a new IAX2 channel carrying the Y code.
   */
  transfer?: { afterMs: number; inGroup: string; agent: AgentSeat; server?: AsteriskInstance };
  /** Dialled calls: parked `afterMs` into the talk (exten 8301, music) and grabbed back. */
  park?: { afterMs: number; forMs: number };
  /** The customer's (caller) or the agent's audio is broken this way for the whole call. */
  audioDefect?: { voice: FixtureVoice; defect: AudioDefect };
  /** Keys the customer types `afterMs` into the talk, while the talk goes on. */
  keyPresses?: KeyPresses & { afterMs: number };
}

export type PlanView = Omit<CallPlan, 'transfer'> & {
  transfer?: Omit<NonNullable<CallPlan['transfer']>, 'server'> & { server?: string };
};

/** A channel of the call's conversation beyond the customer's: a transfer's IAX2 legs. */
export interface CallLeg {
  server: string;
  channelId: string;
  channelName: string;
}

export interface CallOutcome {
  /** The trunk channel: the customer's leg, the one a tap policy picks. */
  trunkChannelId: string;
  trunkChannelName: string;
  callCode: string;
  /** The plan as the control API shows it: the transfer's server by name. */
  plan: PlanView;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  cause?: number;
  /** When the call was sent on to the in-group, and the legs that made (IAX2 on either side). */
  transferredAt?: number;
  legs?: CallLeg[];
  /** When the call was parked and grabbed back. */
  parkedAt?: number;
  grabbedAt?: number;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * Plays one VICIdial call on a simulated Asterisk with the channels VICIdial creates: for dialled
 * calls the Local pair (`Local/<prefix><number>@default`) whose second half dials the carrier
 * trunk, which shows the Local's exten as Asterisk's Dial leaves it, for inbound calls the trunk
 * first; the answered call is joined to the agent's conference, where the agent's own phone
 * channel already is. The caller-id call code arrives with ChannelCallerId and the change to Up,
 * never in ChannelCreated.
 */
export class VicidialCall {
  readonly outcome: CallOutcome;
  private channels: SimChannel[] = [];
  private trunk!: SimChannel;
  /** The transfer's channel on the other server, which ends with the call. */
  private remote?: { pbx: AsteriskInstance; channel: SimChannel };
  /** What VICIdial's books say the answered call is now (a transfer gives it a new code, agent). */
  private booked?: LedgerCall;

  constructor(
    private readonly pbx: AsteriskInstance,
    readonly plan: CallPlan,
    private readonly ledger: VicidialLedger = NO_LEDGER,
  ) {
    this.outcome = {
      trunkChannelId: '',
      trunkChannelName: '',
      callCode: vicidialCallCode(TYPE_LETTER[plan.type], plan.leadId, new Date(), plan.codeLayout),
      plan: {
        ...plan,
        transfer: plan.transfer && { ...plan.transfer, server: plan.transfer.server?.name },
      },
      startedAt: Date.now(),
    };
  }

  /** Runs the call to its end; resolves with what happened (also on an Asterisk restart mid-call). */
  async run(): Promise<CallOutcome> {
    const inbound = this.plan.type === 'inbound';
    if (inbound) this.arriveInbound();
    else this.dialOut();
    this.ledger.callPlaced(this.ledgerCall(), inbound);
    await sleep(this.plan.ringMs);
    if (!this.alive()) return this.end(this.trunk.destroyed ? 0 : this.plan.cause, false);
    if (!this.plan.answered) {
      const hungUpAt = Date.now();
      this.hangupAll(this.plan.cause);
      return this.end(this.plan.cause, false, hungUpAt);
    }
    this.answer();
    this.booked = this.ledgerCall();
    this.ledger.callAnswered(this.booked, inbound);
    if (inbound) await this.setInboundCallCode();
    let talked = 0;
    for (const step of this.midCallSteps()) {
      await sleep(step.afterMs - talked);
      talked = step.afterMs;
      if (!this.alive()) return this.end(0, true);
      await step.run();
    }
    await sleep(this.plan.talkMs - talked);
    if (!this.alive()) return this.end(0, true);
    // The call ends at the hangup: its events may reach a listener before they all are emitted.
    const hungUpAt = Date.now();
    this.hangupAll(this.plan.hangupBy === 'customer' ? this.plan.cause : 16);
    return this.end(this.plan.hangupBy === 'customer' ? this.plan.cause : 16, true, hungUpAt);
  }

  private end(cause: number, answered: boolean, endedAt = Date.now()): CallOutcome {
    this.ledger.callEnded(
      this.booked ?? this.ledgerCall(),
      this.plan.type === 'inbound' || this.outcome.transferredAt !== undefined,
      answered,
      this.plan.hangupBy,
    );
    this.outcome.endedAt = endedAt;
    this.outcome.cause = cause;
    return this.outcome;
  }

  private ledgerCall(): LedgerCall {
    const { plan } = this;
    return {
      callCode: this.outcome.callCode,
      leadId: plan.leadId,
      campaign: plan.campaign,
      inGroup: plan.inGroup,
      uniqueid: this.trunk.id,
      channel: this.trunk.name,
      phoneNumber: plan.number,
      agent: plan.agent,
      disposition: plan.disposition,
      dispositionDelayMs: plan.dispositionDelayMs,
    };
  }

  private alive(): boolean {
    return this.channels.every((c) => !c.destroyed) && !this.remote?.channel.destroyed;
  }

  /** What a channel's snoops hear: spy=in the `heard` voice, spy=out the `hears` one. */
  private voices(heard: FixtureVoice, hears: FixtureVoice): { in: string; out: string } {
    const voice = (name: FixtureVoice) =>
      voiceWithDefect(
        name,
        this.plan.audioDefect?.voice === name ? this.plan.audioDefect.defect : undefined,
      );
    return { in: voice(heard), out: voice(hears) };
  }

  /** The park, the transfer and the key presses the plan has for the talk, in the order they come. */
  private midCallSteps(): Array<{ afterMs: number; run: () => Promise<void> }> {
    const { park, transfer, keyPresses } = this.plan;
    const steps: Array<{ afterMs: number; run: () => Promise<void> }> = [];
    if (park) steps.push({ afterMs: park.afterMs, run: () => this.parkAndGrab(park.forMs) });
    if (keyPresses) {
      // The customer types while the talk goes on: the steps after it do not wait for the keys.
      const typing = async () => void typeKeys(this.pbx, this.trunk.id, keyPresses);
      steps.push({ afterMs: keyPresses.afterMs, run: typing });
    }
    if (transfer) steps.push({ afterMs: transfer.afterMs, run: () => this.sendToInGroup() });
    return steps.sort((a, b) => a.afterMs - b.afterMs);
  }

  /**
   * An AMI Redirect of the customer's channel: it leaves the Local pair VICIdial dialled it
   * through (which then hangs up) and runs `app` at `exten`.
   */
  private redirectTrunk(app: string, appData: string, exten: string): void {
    for (const channel of this.channels) {
      if (channel !== this.trunk && !channel.destroyed) this.pbx.hangup(channel.id, 16);
    }
    this.channels = [this.trunk];
    this.pbx.enterDialplan(this.trunk, app, appData, { context: 'default', exten });
  }

  /** The agent parks the customer (music on exten 8301), then grabs them back into the room. */
  private async parkAndGrab(forMs: number): Promise<void> {
    this.redirectTrunk('AGI', 'park_CID.agi', '8301');
    this.outcome.parkedAt = Date.now();
    await sleep(forMs);
    if (this.trunk.destroyed) return;
    const { room } = (this.booked ?? this.ledgerCall()).agent;
    this.pbx.enterDialplan(this.trunk, 'ConfBridge', `${room},vici_customer_bridge`, {
      exten: room,
    });
    this.outcome.grabbedAt = Date.now();
  }

  /**
   * LOCAL CLOSER: the customer's channel goes to VICIdial's inbound AGI, which names it J… then
   * Y… (same lead) and books it on the in-group and its agent; then into that agent's room,
   * here or through an IAX2 trunk on the other server.
   */
  private async sendToInGroup(): Promise<void> {
    const transfer = this.plan.transfer;
    if (!transfer) return;
    const { leadId, codeLayout } = this.plan;
    this.redirectTrunk('AGI', `agi-VDAD_ALL_inbound.agi,CLOSER-----${transfer.inGroup}`, '990009');
    const number = this.trunk.caller.number;
    this.pbx.setCallerId(this.trunk, {
      name: vicidialCallCode('J', leadId, new Date(), codeLayout),
      number,
    });
    const code = vicidialCallCode('Y', leadId, new Date(), codeLayout);
    this.pbx.setCallerId(this.trunk, { name: code, number });
    const from = this.booked ?? this.ledgerCall();
    this.booked = {
      ...from,
      callCode: code,
      campaign: transfer.agent.campaign,
      inGroup: transfer.inGroup,
      agent: transfer.agent,
    };
    this.ledger.callTransferred(from, this.booked);
    this.outcome.transferredAt = Date.now();
    const { room } = transfer.agent;
    const elsewhere = transfer.server;
    if (!elsewhere) {
      this.pbx.enterDialplan(this.trunk, 'ConfBridge', `${room},vici_customer_bridge`, {
        exten: room,
      });
      return;
    }
    // Dial(IAX2/...,55,oT): an outgoing IAX2 channel here, an incoming one there, both with the
    // customer's caller id (the `o` option), the one there put into the closer's room.
    this.pbx.enterDialplan(this.trunk, 'Dial', `IAX2/${elsewhere.name}/${room},55,oT`);
    const out = this.pbx.createCallChannel({
      name: `IAX2/${elsewhere.name}-${hex(4)}`,
      dialplan: { context: 'default', exten: room },
      voices: this.voices('agent', 'caller'),
    });
    this.pbx.prepareDialledChannel(this.trunk, out);
    this.pbx.setCallerId(out, { name: code, number });
    this.pbx.dial(this.trunk, out, `IAX2/${elsewhere.name}/${room}`, '');
    const arriving = elsewhere.createCallChannel({
      name: `IAX2/${this.pbx.name}-${hex(4)}`,
      state: 'Down',
      dialplan: { context: 'default', exten: room },
      voices: this.voices('caller', 'agent'),
      caller: { name: code, number },
    });
    elsewhere.setState(arriving, 'Ring');
    elsewhere.setState(arriving, 'Up');
    elsewhere.enterDialplan(arriving, 'ConfBridge', `${room},vici_customer_bridge`, {
      exten: room,
    });
    this.pbx.setState(out, 'Up');
    this.pbx.dial(this.trunk, out, `IAX2/${elsewhere.name}/${room}`, 'ANSWER');
    this.channels.push(out);
    this.remote = { pbx: elsewhere, channel: arriving };
    this.outcome.legs = [
      { server: this.pbx.name, channelId: out.id, channelName: out.name },
      { server: elsewhere.name, channelId: arriving.id, channelName: arriving.name },
    ];
  }

  private dialOut(): void {
    const { number } = this.plan;
    const exten = `${VICIDIAL_DIAL_PREFIX}${number}`;
    const localName = `Local/${exten}@default-${hex(4)}`;
    const local1 = this.pbx.createCallChannel({
      name: `${localName};1`,
      dialplan: { context: 'default', exten },
      voices: this.voices('agent', 'caller'),
    });
    this.pbx.enterDialplan(local1, 'AppDial2', '(Outgoing Line)');
    const local2 = this.pbx.createCallChannel({
      name: `${localName};2`,
      dialplan: { context: 'default', exten },
      voices: this.voices('caller', 'agent'),
    });
    this.pbx.enterDialplan(local2, 'Dial', `SIP/carrier/${number},,tTor`);
    // chan_sip creates the carrier channel in its peer's context (VICIdial's carriers use
    // trunkinbound) at exten s with no caller id; Dial then stages it with the Local's exten.
    this.trunk = this.pbx.createCallChannel({
      name: `SIP/carrier-${hex(4)}`,
      dialplan: { context: 'trunkinbound' },
      voices: this.voices('caller', 'agent'),
    });
    this.pbx.prepareDialledChannel(local2, this.trunk);
    this.pbx.dial(local2, this.trunk, `carrier/${number}`, '');
    this.pbx.setState(this.trunk, 'Ringing');
    this.channels.push(local1, local2, this.trunk);
    this.outcome.trunkChannelId = this.trunk.id;
    this.outcome.trunkChannelName = this.trunk.name;
  }

  private arriveInbound(): void {
    const did = '8005550100';
    // chan_sip creates an incoming call's channel Down, with the caller's number, and sets it to
    // Ring while it handles the INVITE (PJSIP creates it in Ring).
    this.trunk = this.pbx.createCallChannel({
      name: `SIP/carrier-${hex(4)}`,
      state: 'Down',
      dialplan: { context: 'trunkinbound', exten: did },
      voices: this.voices('caller', 'agent'),
      caller: { name: '', number: this.plan.number },
    });
    this.pbx.setState(this.trunk, 'Ring');
    this.pbx.enterDialplan(this.trunk, 'AGI', 'agi://127.0.0.1:4577/call_log');
    this.channels.push(this.trunk);
    this.outcome.trunkChannelId = this.trunk.id;
    this.outcome.trunkChannelName = this.trunk.name;
  }

  private answer(): void {
    const inbound = this.plan.type === 'inbound';
    if (!inbound) {
      this.pbx.setCallerId(this.trunk, {
        name: this.outcome.callCode,
        number: this.trunk.caller.number,
      });
      this.pbx.dial(this.channels[1], this.trunk, `carrier/${this.plan.number}`, 'ANSWER');
    }
    for (const channel of this.channels) {
      if (!inbound) channel.caller = { name: this.outcome.callCode, number: channel.caller.number };
      this.pbx.setState(channel, 'Up');
    }
    const { room } = this.plan.agent;
    if (this.plan.type === 'inbound') {
      const local = this.pbx.createCallChannel({
        name: `Local/${room}@default-${hex(4)};1`,
        state: 'Up',
        voices: this.voices('agent', 'caller'),
      });
      this.channels.push(local);
    }
    this.pbx.enterDialplan(
      this.channels[0],
      'ConfBridge',
      `${room},vici_customer_bridge,vici_customer_user`,
      { context: 'default', exten: room },
    );
    this.outcome.answeredAt = Date.now();
  }

  /** The inbound AGI names the call only once it runs, after the answer. */
  private async setInboundCallCode(): Promise<void> {
    await sleep(this.plan.callCodeDelayMs);
    if (this.trunk.destroyed) return;
    this.pbx.setCallerId(this.trunk, { name: this.outcome.callCode, number: this.plan.number });
  }

  /** Ends every channel of the call; the side that hangs up goes first, as its hangup spreads. */
  private hangupAll(cause: number): void {
    const order =
      this.plan.hangupBy === 'agent' ? [...this.channels] : [...this.channels].reverse();
    for (const channel of order)
      if (!channel.destroyed) this.pbx.hangup(channel.id, channel === this.trunk ? cause : 16);
    const remote = this.remote;
    if (remote && !remote.channel.destroyed) remote.pbx.hangup(remote.channel.id, 16);
  }
}
