import type { VicidialMetadata } from '@asb/contracts';
import type { DataSource } from 'typeorm';

/** What VICIdial's database says of a live call, found by its call code. */
export interface LiveCallFacts {
  details: VicidialMetadata;
  /** vicidial_auto_calls.uniqueid: the key of the call's row in VICIdial's logs. */
  logUniqueid?: string;
  inbound: boolean;
}

/** The status and term reason VICIdial's log has for an ended call. */
export interface LoggedOutcome {
  status: string;
  termReason?: string;
  agent?: string;
}

/** A query that gave up waiting: the database is gone or stalled. */
export class VicidialQueryTimeout extends Error {
  constructor(
    readonly query: string,
    timeoutMs: number,
  ) {
    super(`VICIdial database: ${query} did not answer within ${timeoutMs} ms`);
  }
}

interface AutoCallRow {
  callerid: string;
  campaign_id: string | null;
  lead_id: number;
  call_type: string | null;
  uniqueid: string | null;
}

interface LiveAgentRow {
  callerid: string;
  user: string | null;
  conf_exten: string | null;
  extension: string | null;
  campaign_id: string | null;
}

interface OutcomeRow {
  uniqueid: string;
  lead_id: number | string | null;
  status: string | null;
  term_reason: string | null;
  user: string | null;
}

/** Names change rarely; a cached one is read again after this long. */
const NAME_TTL_MS = 5 * 60_000;

type Observe = (query: string, outcome: 'ok' | 'error' | 'timeout', seconds: number) => void;

/**
 * Reads VICIdial's database for many calls at once: every lookup is one query per table for
 * all the calls asked about (IN lists), and names of campaigns, in-groups and users come from a
 * cache, so the load on VICIdial's database depends on the poll interval, not on the number of
 * calls. Only ids, names and statuses are read, never a lead's personal data.
 */
export class VicidialDirectory {
  private readonly names = new Map<string, { value: string | undefined; readAt: number }>();

  constructor(
    private readonly db: DataSource,
    private readonly timeoutMs: number,
    private readonly observe: Observe = () => undefined,
  ) {}

  /** What the database knows of the live calls with these call codes, by call code. */
  async liveCalls(codes: string[]): Promise<Map<string, LiveCallFacts>> {
    const found = new Map<string, LiveCallFacts>();
    if (codes.length === 0) return found;
    const [autoCalls, agents] = await Promise.all([
      this.query<AutoCallRow>(
        'auto_calls',
        `SELECT callerid, campaign_id, lead_id, call_type, uniqueid
         FROM vicidial_auto_calls WHERE callerid IN (?)`,
        [codes],
      ),
      this.query<LiveAgentRow>(
        'live_agents',
        `SELECT callerid, user, conf_exten, extension, campaign_id
         FROM vicidial_live_agents WHERE callerid IN (?)`,
        [codes],
      ),
    ]);
    const agentOf = new Map(agents.map((row) => [row.callerid, row]));
    const leadIds = [...new Set(autoCalls.map((row) => row.lead_id).filter((id) => id > 0))];
    const lists = await this.listsOf(leadIds);
    const inbound = (row: AutoCallRow) => row.call_type === 'IN';
    const campaignIds = [
      ...autoCalls.filter((row) => !inbound(row)).map((row) => row.campaign_id),
      ...agents.map((row) => row.campaign_id),
    ];
    const [campaignNames, inGroupNames, userNames] = await Promise.all([
      this.namesOf('campaign', campaignIds),
      this.namesOf(
        'in_group',
        autoCalls.filter(inbound).map((row) => row.campaign_id),
      ),
      this.namesOf(
        'user',
        agents.map((row) => row.user),
      ),
    ]);
    const codesSeen = new Set([...autoCalls.map((r) => r.callerid), ...agentOf.keys()]);
    const autoCallOf = new Map(autoCalls.map((row) => [row.callerid, row]));
    for (const code of codesSeen) {
      const autoCall = autoCallOf.get(code);
      const agent = agentOf.get(code);
      const isInbound = autoCall ? inbound(autoCall) : false;
      const campaign =
        (isInbound ? agent?.campaign_id : autoCall?.campaign_id) ?? agent?.campaign_id;
      const inGroup = isInbound ? (autoCall?.campaign_id ?? undefined) : undefined;
      const leadId = autoCall?.lead_id;
      const details: VicidialMetadata = {
        callCode: code,
        campaign: campaign ?? undefined,
        campaignName: campaign ? campaignNames.get(campaign) : undefined,
        inGroup,
        inGroupName: inGroup ? inGroupNames.get(inGroup) : undefined,
        leadId: leadId && leadId > 0 ? leadId : undefined,
        listId: leadId ? lists.get(leadId) : undefined,
        agent: agent?.user ?? undefined,
        agentName: agent?.user ? userNames.get(agent.user) : undefined,
        agentPhone: agent?.extension ?? undefined,
        conference: agent?.conf_exten ?? undefined,
      };
      found.set(code, {
        details: withoutUndefined(details),
        logUniqueid: autoCall?.uniqueid || undefined,
        inbound: isInbound,
      });
    }
    return found;
  }

  /**
   * The outcome VICIdial logged for ended calls, by outcomeKey(uniqueid, lead): the logs have no
   * server column, and two servers of a cluster can give two calls the same uniqueid.
   */
  async outcomes(outbound: string[], inbound: string[]): Promise<Map<string, LoggedOutcome>> {
    const read = (table: 'vicidial_log' | 'vicidial_closer_log', uniqueids: string[]) =>
      uniqueids.length === 0
        ? Promise.resolve([])
        : this.query<OutcomeRow>(
            table,
            // A call sent on from one in-group to another has a closer row for each: in
            // order, so the latest is the one that stands.
            `SELECT uniqueid, lead_id, status, term_reason, user FROM ${table} WHERE uniqueid IN (?)${
              table === 'vicidial_closer_log' ? ' ORDER BY closecallid' : ''
            }`,
            [uniqueids],
          );
    const rows = (
      await Promise.all([read('vicidial_log', outbound), read('vicidial_closer_log', inbound)])
    ).flat();
    const outcomes = new Map<string, LoggedOutcome>();
    for (const row of rows) {
      if (!row.status) continue;
      outcomes.set(outcomeKey(row.uniqueid, Number(row.lead_id ?? 0)), {
        status: row.status,
        termReason: row.term_reason ?? undefined,
        agent: row.user || undefined,
      });
    }
    return outcomes;
  }

  /** The phones of the logged-in agents, as VICIdial names them (`SIP/1001`). */
  async agentPhones(): Promise<Set<string>> {
    const rows = await this.query<{ extension: string | null }>(
      'agent_phones',
      `SELECT DISTINCT extension FROM vicidial_live_agents`,
      [],
    );
    return new Set(rows.map((row) => row.extension).filter((e): e is string => !!e));
  }

  private async listsOf(leadIds: number[]): Promise<Map<number, number>> {
    if (leadIds.length === 0) return new Map();
    const rows = await this.query<{ lead_id: number; list_id: string | number }>(
      'leads',
      `SELECT lead_id, list_id FROM vicidial_list WHERE lead_id IN (?)`,
      [leadIds],
    );
    return new Map(rows.map((row) => [Number(row.lead_id), Number(row.list_id)]));
  }

  private async namesOf(
    kind: 'campaign' | 'in_group' | 'user',
    ids: Array<string | null | undefined>,
  ): Promise<Map<string, string>> {
    const now = performance.now();
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    const stale = wanted.filter((id) => {
      const cached = this.names.get(`${kind}:${id}`);
      return !cached || now - cached.readAt > NAME_TTL_MS;
    });
    if (stale.length > 0) {
      const sql = {
        campaign: `SELECT campaign_id AS id, campaign_name AS name FROM vicidial_campaigns WHERE campaign_id IN (?)`,
        in_group: `SELECT group_id AS id, group_name AS name FROM vicidial_inbound_groups WHERE group_id IN (?)`,
        user: `SELECT user AS id, full_name AS name FROM vicidial_users WHERE user IN (?)`,
      }[kind];
      const rows = await this.query<{ id: string; name: string | null }>(`${kind}_names`, sql, [
        stale,
      ]);
      for (const id of stale) this.names.set(`${kind}:${id}`, { value: undefined, readAt: now });
      for (const row of rows) {
        this.names.set(`${kind}:${row.id}`, { value: row.name || undefined, readAt: now });
      }
    }
    const names = new Map<string, string>();
    for (const id of wanted) {
      const value = this.names.get(`${kind}:${id}`)?.value;
      if (value !== undefined) names.set(id, value);
    }
    return names;
  }

  private async query<T>(name: string, sql: string, parameters: unknown[]): Promise<T[]> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VicidialQueryTimeout(name, this.timeoutMs)),
        this.timeoutMs,
      );
    });
    try {
      const rows = (await Promise.race([this.db.query(sql, parameters), timeout])) as T[];
      this.observe(name, 'ok', (performance.now() - started) / 1000);
      return rows;
    } catch (error) {
      const outcome = error instanceof VicidialQueryTimeout ? 'timeout' : 'error';
      this.observe(name, outcome, (performance.now() - started) / 1000);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** How outcomes are found: a call's log uniqueid and its lead (0 when it has none). */
export function outcomeKey(uniqueid: string, leadId: number | undefined): string {
  return `${uniqueid}/${leadId ?? 0}`;
}
