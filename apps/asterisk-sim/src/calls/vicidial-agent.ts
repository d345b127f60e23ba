import { randomBytes } from 'node:crypto';
import type { AsteriskInstance } from '../pbx/asterisk-instance';
import type { SimChannel } from '../pbx/sim-channel';
import { NO_LEDGER, VicidialLedger } from '../vicidial/vicidial-ledger';

/** One agent of the simulated call center: who they are and where their phone sits. */
export interface AgentSeat {
  /** VICIdial user (vicidial_users.user). */
  user: string;
  /** The agent's phone as vicidial_live_agents.extension names it, e.g. `SIP/1001`. */
  phone: string;
  /** The agent's ConfBridge room (vicidial_live_agents.conf_exten), e.g. `9600051`. */
  room: string;
  campaign: string;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/**
 * VICIdial's agent login call code: `S`, the date-time as yymmddHHMMSS and the room, 20
 * characters (agc/vicidial.php builds it for the login Originate's caller id).
 */
export function agentLoginCallCode(room: string, at: Date): string {
  const date = [
    at.getFullYear() % 100,
    at.getMonth() + 1,
    at.getDate(),
    at.getHours(),
    at.getMinutes(),
    at.getSeconds(),
  ]
    .map((part) => pad(part, 2))
    .join('');
  return `S${date}${room}`;
}

/**
 * An agent's login as VICIdial makes it on Asterisk 16+ with ConfBridge: an AMI Originate calls
 * the agent's phone with the login call code as caller id and, once the phone answers, sends it
 * to `2<room>`, where the dialplan puts it in the room as the agent. The phone channel stays
 * there for the whole login, across every customer call sent into the room.
 */
export class VicidialAgentLogin {
  private phoneChannel?: SimChannel;

  constructor(
    private readonly pbx: AsteriskInstance,
    readonly seat: AgentSeat,
    private readonly ledger: VicidialLedger = NO_LEDGER,
  ) {}

  get channel(): SimChannel | undefined {
    return this.phoneChannel;
  }

  /** Calls the phone, which answers at once (a softphone set to auto-answer, as agents use). */
  login(campaignCallerNumber = '0000000000'): SimChannel {
    this.ledger.agentLoggedIn(this.seat);
    const phone = this.pbx.createCallChannel({
      name: `${this.seat.phone}-${randomBytes(4).toString('hex')}`,
      dialplan: { context: 'default', exten: 's' },
      voices: { in: 'agent', out: 'caller' },
    });
    this.pbx.setCallerId(phone, {
      name: agentLoginCallCode(this.seat.room, new Date()),
      number: campaignCallerNumber,
    });
    this.pbx.setState(phone, 'Ringing');
    this.pbx.setState(phone, 'Up');
    this.pbx.enterDialplan(
      phone,
      'ConfBridge',
      `${this.seat.room},vici_agent_bridge,vici_agent_user`,
      { context: 'default', exten: `2${this.seat.room}` },
    );
    this.phoneChannel = phone;
    return phone;
  }

  /** The agent logs out: VICIdial hangs the phone channel up. */
  logout(): void {
    const phone = this.phoneChannel;
    if (phone && !phone.destroyed) this.pbx.hangup(phone.id, 16);
    this.phoneChannel = undefined;
    this.ledger.agentLoggedOut(this.seat);
  }
}
