import { Logger } from '@nestjs/common';
import { createVicidialTables, vicidialDataSource } from '@asb/vicidial-db';
import type { DataSource } from 'typeorm';
import type { AgentSeat } from '../calls/vicidial-agent';
import type { LedgerCall, VicidialLedger } from './vicidial-ledger';

/** The simulated servers' address in VICIdial's tables. */
const SERVER_IP = '127.0.0.1';

const epoch = () => Math.floor(Date.now() / 1000);

/**
 * Writes VICIdial's tables as VICIdial does while its calls run: agents in
 * vicidial_live_agents from login to logout, each call in vicidial_auto_calls while it lasts, the
 * agent's row pointing at the call it is on, and the call's row in vicidial_log (or, inbound,
 * vicidial_closer_log) with its status set to the agent's disposition some time after the end.
 * Writes run one after another in the order of the calls' steps; a failed write is logged and
 * counted, never thrown into a call.
 */
export class VicidialDatabaseLedger implements VicidialLedger {
  private readonly logger = new Logger(VicidialDatabaseLedger.name);
  private readonly db: DataSource;
  private queue: Promise<unknown>;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The scenario's campaigns, in order: campaign i has list 101 + i. */
  private campaigns: string[] = [];
  failedWrites = 0;
  private closed = false;

  constructor(url: string) {
    this.db = vicidialDataSource({ url, connections: 2, connectTimeoutMs: 5000 });
    this.queue = this.db
      .initialize()
      .then(() => createVicidialTables((sql) => this.db.query(sql)))
      .catch((error: Error) => this.logger.error(`VICIdial database unusable: ${error.message}`));
  }

  /** Resolves once every write asked for so far is done. */
  flushed(): Promise<unknown> {
    return this.queue;
  }

  /** Waits for the writes asked for so far; later ones (calls cut by the shutdown) are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.queue;
    if (this.db.isInitialized) await this.db.destroy();
  }

  prepare(campaigns: string[], inGroups: string[], seats: AgentSeat[]): void {
    this.write(
      `INSERT IGNORE INTO vicidial_campaigns (campaign_id, campaign_name, active) VALUES ?`,
      [campaigns.map((id) => [id, `${id[0]}${id.slice(1).toLowerCase()} campaign`, 'Y'])],
    );
    this.write(`INSERT IGNORE INTO vicidial_lists (list_id, list_name, campaign_id) VALUES ?`, [
      campaigns.map((id, i) => [listOf(i), `${id} leads`, id]),
    ]);
    if (inGroups.length > 0) {
      this.write(`INSERT IGNORE INTO vicidial_inbound_groups (group_id, group_name) VALUES ?`, [
        inGroups.map((id) => [id, `${id[0]}${id.slice(1).toLowerCase().replace(/_/g, ' ')}`]),
      ]);
    }
    this.write(`INSERT IGNORE INTO vicidial_users (user, full_name, user_group) VALUES ?`, [
      seats.map((seat) => [seat.user, `Agent ${seat.user}`, 'AGENTS']),
    ]);
    this.campaigns = campaigns;
  }

  agentLoggedIn(seat: AgentSeat): void {
    this.write(
      `INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id,
         campaign_id, last_state_change)
       VALUES (?, ?, ?, ?, 'READY', 0, ?, NOW())`,
      [seat.user, SERVER_IP, seat.room, seat.phone, seat.campaign],
    );
  }

  agentLoggedOut(seat: AgentSeat): void {
    this.write(`DELETE FROM vicidial_live_agents WHERE user = ? AND conf_exten = ?`, [
      seat.user,
      seat.room,
    ]);
  }

  callPlaced(call: LedgerCall, inbound: boolean): void {
    this.write(
      `INSERT IGNORE INTO vicidial_list (lead_id, list_id, status, phone_number) VALUES (?, ?, 'NEW', ?)`,
      [call.leadId, this.listOfCampaign(call.campaign), call.phoneNumber],
    );
    this.write(
      `INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, uniqueid, callerid,
         channel, phone_number, call_time, call_type)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NOW(), ?)`,
      [
        SERVER_IP,
        inbound ? call.inGroup : call.campaign,
        inbound ? 'LIVE' : 'SENT',
        call.leadId,
        call.uniqueid,
        call.callCode,
        call.channel,
        call.phoneNumber,
        inbound ? 'IN' : 'OUT',
      ],
    );
  }

  callAnswered(call: LedgerCall, inbound: boolean): void {
    this.write(`UPDATE vicidial_auto_calls SET status = 'LIVE' WHERE callerid = ?`, [
      call.callCode,
    ]);
    this.write(
      `UPDATE vicidial_live_agents SET status = 'INCALL', callerid = ?, lead_id = ?, uniqueid = ?,
         channel = ?, last_call_time = NOW(), last_state_change = NOW()
       WHERE user = ? AND conf_exten = ?`,
      [call.callCode, call.leadId, call.uniqueid, call.channel, call.agent.user, call.agent.room],
    );
    if (inbound) {
      this.write(
        `INSERT INTO vicidial_closer_log (lead_id, list_id, campaign_id, call_date, start_epoch,
           status, phone_number, user, uniqueid)
         VALUES (?, ?, ?, NOW(), ?, 'INCALL', ?, ?, ?)`,
        [
          call.leadId,
          this.listOfCampaign(call.campaign),
          call.inGroup,
          epoch(),
          call.phoneNumber,
          call.agent.user,
          call.uniqueid,
        ],
      );
    } else {
      this.write(
        `INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch,
           status, phone_number, user)
         VALUES (?, ?, ?, ?, NOW(), ?, 'INCALL', ?, ?)`,
        [
          call.uniqueid,
          call.leadId,
          this.listOfCampaign(call.campaign),
          call.campaign,
          epoch(),
          call.phoneNumber,
          call.agent.user,
        ],
      );
    }
  }

  callEnded(
    call: LedgerCall,
    inbound: boolean,
    answered: boolean,
    endedBy: 'customer' | 'agent',
  ): void {
    this.write(`DELETE FROM vicidial_auto_calls WHERE callerid = ?`, [call.callCode]);
    if (!answered) return;
    this.write(
      `UPDATE vicidial_live_agents SET status = 'READY', callerid = '', lead_id = 0, uniqueid = '',
         channel = '', last_state_change = NOW()
       WHERE user = ? AND conf_exten = ? AND callerid = ?`,
      [call.agent.user, call.agent.room, call.callCode],
    );
    const table = inbound ? 'vicidial_closer_log' : 'vicidial_log';
    this.write(
      `UPDATE ${table} SET end_epoch = ?, length_in_sec = ? - start_epoch, term_reason = ?
       WHERE uniqueid = ?`,
      [epoch(), epoch(), endedBy === 'agent' ? 'AGENT' : 'CALLER', call.uniqueid],
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.write(`UPDATE ${table} SET status = ? WHERE uniqueid = ?`, [
        call.disposition,
        call.uniqueid,
      ]);
    }, call.dispositionDelayMs);
    this.timers.add(timer);
  }

  /**
   * What agc/manager_send.php (RedirectVD) and the inbound AGI write for a LOCAL CLOSER: the
   * outbound log row marked XFER, the campaign's auto_calls row replaced by an in-group one (new
   * call code, same uniqueid and channel), the first agent freed, then the in-group's agent
   * booked on the call and a closer log row, as for an answered inbound call.
   */
  callTransferred(from: LedgerCall, to: LedgerCall): void {
    this.write(`UPDATE vicidial_log SET status = 'XFER' WHERE uniqueid = ?`, [from.uniqueid]);
    this.write(`DELETE FROM vicidial_auto_calls WHERE callerid = ?`, [from.callCode]);
    this.write(
      `UPDATE vicidial_live_agents SET status = 'READY', callerid = '', lead_id = 0, uniqueid = '',
         channel = '', last_state_change = NOW()
       WHERE user = ? AND conf_exten = ? AND callerid = ?`,
      [from.agent.user, from.agent.room, from.callCode],
    );
    this.callPlaced(to, true);
    this.callAnswered(to, true);
  }

  private listOfCampaign(campaign: string): number {
    return listOf(Math.max(0, this.campaigns.indexOf(campaign)));
  }

  private write(sql: string, parameters: unknown[]): void {
    if (this.closed) return;
    this.queue = this.queue.then(() =>
      this.db.query(sql, parameters).catch((error: Error) => {
        this.failedWrites += 1;
        if (this.failedWrites === 1 || this.failedWrites % 1000 === 0) {
          this.logger.warn(`VICIdial write failed (${this.failedWrites} so far): ${error.message}`);
        }
      }),
    );
  }
}

/** Each campaign's one list: 101, 102, ... */
function listOf(campaignIndex: number): number {
  return 101 + campaignIndex;
}
