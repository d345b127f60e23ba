import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { AsteriskInstance } from '../pbx/asterisk-instance';
import type { SimChannel } from '../pbx/sim-channel';
import { LedgerCall, NO_LEDGER, VicidialLedger } from '../vicidial/vicidial-ledger';
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
}

export interface CallOutcome {
  /** The trunk channel: the customer's leg, the one a tap policy picks. */
  trunkChannelId: string;
  trunkChannelName: string;
  callCode: string;
  plan: CallPlan;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  cause?: number;
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
  private readonly channels: SimChannel[] = [];
  private trunk!: SimChannel;

  constructor(
    private readonly pbx: AsteriskInstance,
    readonly plan: CallPlan,
    private readonly ledger: VicidialLedger = NO_LEDGER,
  ) {
    this.outcome = {
      trunkChannelId: '',
      trunkChannelName: '',
      callCode: vicidialCallCode(TYPE_LETTER[plan.type], plan.leadId, new Date(), plan.codeLayout),
      plan,
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
    this.ledger.callAnswered(this.ledgerCall(), inbound);
    if (inbound) await this.setInboundCallCode();
    await sleep(this.plan.talkMs);
    if (!this.alive()) return this.end(0, true);
    // The call ends at the hangup: its events may reach a listener before they all are emitted.
    const hungUpAt = Date.now();
    this.hangupAll(this.plan.hangupBy === 'customer' ? this.plan.cause : 16);
    return this.end(this.plan.hangupBy === 'customer' ? this.plan.cause : 16, true, hungUpAt);
  }

  private end(cause: number, answered: boolean, endedAt = Date.now()): CallOutcome {
    this.ledger.callEnded(
      this.ledgerCall(),
      this.plan.type === 'inbound',
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
    return this.channels.every((c) => !c.destroyed);
  }

  private dialOut(): void {
    const { number } = this.plan;
    const exten = `${VICIDIAL_DIAL_PREFIX}${number}`;
    const localName = `Local/${exten}@default-${hex(4)}`;
    const local1 = this.pbx.createCallChannel({
      name: `${localName};1`,
      dialplan: { context: 'default', exten },
      voices: { in: 'agent', out: 'caller' },
    });
    this.pbx.enterDialplan(local1, 'AppDial2', '(Outgoing Line)');
    const local2 = this.pbx.createCallChannel({
      name: `${localName};2`,
      dialplan: { context: 'default', exten },
      voices: { in: 'caller', out: 'agent' },
    });
    this.pbx.enterDialplan(local2, 'Dial', `SIP/carrier/${number},,tTor`);
    // chan_sip creates the carrier channel in its peer's context (VICIdial's carriers use
    // trunkinbound) at exten s with no caller id; Dial then stages it with the Local's exten.
    this.trunk = this.pbx.createCallChannel({
      name: `SIP/carrier-${hex(4)}`,
      dialplan: { context: 'trunkinbound' },
      voices: { in: 'caller', out: 'agent' },
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
      voices: { in: 'caller', out: 'agent' },
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
        voices: { in: 'agent', out: 'caller' },
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
  }
}
