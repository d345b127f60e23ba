import type { AgentSeat } from '../calls/vicidial-agent';

/** What VICIdial writes about one call, as the simulator plays it. */
export interface LedgerCall {
  callCode: string;
  leadId: number;
  /** The campaign that dialled it, or for an inbound call the campaign of the agent taking it. */
  campaign: string;
  /** Inbound calls: the in-group they came in on. */
  inGroup?: string;
  /** The customer channel's uniqueid: the key of the call's row in VICIdial's logs. */
  uniqueid: string;
  channel: string;
  phoneNumber: string;
  agent: AgentSeat;
  /** The status the agent gives the call after it ends, and how long that takes. */
  disposition: string;
  dispositionDelayMs: number;
}

/**
 * Where the simulated VICIdial keeps its books: VICIdial's own database tables, or nowhere. Each
 * method records a step of VICIdial's call flow; writing is the ledger's business, never a
 * reason for a call to fail.
 */
export interface VicidialLedger {
  /** The campaigns, in-groups and agents of a scenario, before its first login. */
  prepare(campaigns: string[], inGroups: string[], seats: AgentSeat[]): void;
  agentLoggedIn(seat: AgentSeat): void;
  agentLoggedOut(seat: AgentSeat): void;
  callPlaced(call: LedgerCall, inbound: boolean): void;
  callAnswered(call: LedgerCall, inbound: boolean): void;
  callEnded(
    call: LedgerCall,
    inbound: boolean,
    answered: boolean,
    endedBy: 'customer' | 'agent',
  ): void;
  /**
   * A dialled call sent on to an in-group (LOCAL CLOSER): `from` as it was booked, `to` with
   * its new call code, in-group and agent (same lead, same customer channel).
   */
  callTransferred(from: LedgerCall, to: LedgerCall): void;
}

/** A simulator without a VICIdial database. */
export const NO_LEDGER: VicidialLedger = {
  prepare: () => undefined,
  agentLoggedIn: () => undefined,
  agentLoggedOut: () => undefined,
  callPlaced: () => undefined,
  callAnswered: () => undefined,
  callEnded: () => undefined,
  callTransferred: () => undefined,
};
