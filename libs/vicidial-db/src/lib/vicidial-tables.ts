/**
 * The VICIdial tables the bridge reads, with VICIdial's own names, column types and indexes (only
 * the columns the bridge or its simulator use). VICIdial creates them as MyISAM, no foreign keys
 * and no transactions, and keeps vicidial_auto_calls in memory (ENGINE=MEMORY). Tests and the simulator create them in a database of their own; on a real
 * VICIdial they exist already and the bridge only ever reads them.
 */
export const VICIDIAL_TABLES: Readonly<Record<string, string>> = {
  vicidial_auto_calls: `
    CREATE TABLE IF NOT EXISTS vicidial_auto_calls (
      auto_call_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
      server_ip VARCHAR(15) NOT NULL,
      campaign_id VARCHAR(20),
      status ENUM('SENT','RINGING','LIVE','XFER','PAUSED','CLOSER','BUSY','DISCONNECT','IVR') DEFAULT 'PAUSED',
      lead_id INT(9) UNSIGNED NOT NULL,
      uniqueid VARCHAR(20),
      callerid VARCHAR(20),
      channel VARCHAR(100),
      phone_code VARCHAR(10),
      phone_number VARCHAR(18),
      call_time DATETIME,
      call_type ENUM('IN','OUT','OUTBALANCE') DEFAULT 'OUT',
      stage VARCHAR(20) DEFAULT 'START',
      last_update_time TIMESTAMP,
      extension VARCHAR(100) DEFAULT '',
      INDEX uniqueid (uniqueid),
      INDEX callerid (callerid),
      INDEX call_time (call_time),
      INDEX last_update_time (last_update_time)
    ) ENGINE=MEMORY`,
  vicidial_live_agents: `
    CREATE TABLE IF NOT EXISTS vicidial_live_agents (
      live_agent_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
      user VARCHAR(20),
      server_ip VARCHAR(15) NOT NULL,
      conf_exten VARCHAR(20),
      extension VARCHAR(100),
      status ENUM('READY','QUEUE','INCALL','PAUSED','CLOSER','MQUEUE') DEFAULT 'PAUSED',
      lead_id INT(9) UNSIGNED NOT NULL DEFAULT 0,
      campaign_id VARCHAR(8),
      uniqueid VARCHAR(20),
      callerid VARCHAR(20),
      channel VARCHAR(100),
      last_call_time DATETIME,
      last_update_time TIMESTAMP,
      last_state_change DATETIME,
      pause_code VARCHAR(6) DEFAULT '',
      agent_log_id INT(9) UNSIGNED DEFAULT 0,
      INDEX vlaus (user),
      INDEX vlali (lead_id)
    ) ENGINE=MyISAM`,
  vicidial_list: `
    CREATE TABLE IF NOT EXISTS vicidial_list (
      lead_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
      list_id BIGINT(14) UNSIGNED NOT NULL DEFAULT 0,
      status VARCHAR(6),
      user VARCHAR(20),
      vendor_lead_code VARCHAR(20),
      phone_code VARCHAR(10),
      phone_number VARCHAR(18) NOT NULL,
      first_name VARCHAR(30),
      last_name VARCHAR(30),
      called_count SMALLINT(5) UNSIGNED DEFAULT 0,
      INDEX list_id (list_id)
    ) ENGINE=MyISAM`,
  vicidial_lists: `
    CREATE TABLE IF NOT EXISTS vicidial_lists (
      list_id BIGINT(14) UNSIGNED PRIMARY KEY NOT NULL,
      list_name VARCHAR(30),
      campaign_id VARCHAR(8)
    ) ENGINE=MyISAM`,
  vicidial_campaigns: `
    CREATE TABLE IF NOT EXISTS vicidial_campaigns (
      campaign_id VARCHAR(8) PRIMARY KEY NOT NULL,
      campaign_name VARCHAR(40),
      active ENUM('Y','N')
    ) ENGINE=MyISAM`,
  vicidial_inbound_groups: `
    CREATE TABLE IF NOT EXISTS vicidial_inbound_groups (
      group_id VARCHAR(20) PRIMARY KEY NOT NULL,
      group_name VARCHAR(30)
    ) ENGINE=MyISAM`,
  vicidial_users: `
    CREATE TABLE IF NOT EXISTS vicidial_users (
      user_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
      user VARCHAR(20) NOT NULL,
      full_name VARCHAR(50),
      user_group VARCHAR(20),
      UNIQUE INDEX user (user)
    ) ENGINE=MyISAM`,
  vicidial_log: `
    CREATE TABLE IF NOT EXISTS vicidial_log (
      uniqueid VARCHAR(20) PRIMARY KEY NOT NULL,
      lead_id INT(9) UNSIGNED NOT NULL,
      list_id BIGINT(14) UNSIGNED,
      campaign_id VARCHAR(8),
      call_date DATETIME,
      start_epoch INT(10) UNSIGNED,
      end_epoch INT(10) UNSIGNED,
      length_in_sec INT(10),
      status VARCHAR(6),
      phone_number VARCHAR(18),
      user VARCHAR(20),
      user_group VARCHAR(20),
      term_reason ENUM('CALLER','AGENT','QUEUETIMEOUT','ABANDON','AFTERHOURS','NONE','SYSTEM') DEFAULT 'NONE',
      called_count SMALLINT(5) UNSIGNED,
      INDEX lead_id (lead_id),
      INDEX call_date (call_date)
    ) ENGINE=MyISAM`,
  vicidial_closer_log: `
    CREATE TABLE IF NOT EXISTS vicidial_closer_log (
      closecallid INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
      lead_id INT(9) UNSIGNED NOT NULL,
      list_id BIGINT(14) UNSIGNED,
      campaign_id VARCHAR(20),
      call_date DATETIME,
      start_epoch INT(10) UNSIGNED,
      end_epoch INT(10) UNSIGNED,
      length_in_sec INT(10),
      status VARCHAR(6),
      phone_number VARCHAR(18),
      user VARCHAR(20),
      queue_seconds DECIMAL(7,2) DEFAULT 0,
      xfercallid INT(9) UNSIGNED,
      term_reason ENUM('CALLER','AGENT','QUEUETIMEOUT','ABANDON','AFTERHOURS','HOLDRECALLXFER','HOLDTIME','NOAGENT','NONE','MAXCALLS','ACFILTER','CLOSETIME') DEFAULT 'NONE',
      uniqueid VARCHAR(20) NOT NULL DEFAULT '',
      INDEX lead_id (lead_id),
      INDEX call_date (call_date),
      INDEX campaign_id (campaign_id),
      INDEX uniqueid (uniqueid)
    ) ENGINE=MyISAM`,
  vicidial_log_extended: `
    CREATE TABLE IF NOT EXISTS vicidial_log_extended (
      uniqueid VARCHAR(50) PRIMARY KEY NOT NULL,
      server_ip VARCHAR(15),
      call_date DATETIME,
      lead_id INT(9) UNSIGNED,
      caller_code VARCHAR(30) NOT NULL,
      INDEX call_date (call_date),
      INDEX vle_lead_id (lead_id),
      INDEX vlecc (caller_code)
    ) ENGINE=MyISAM`,
};

/** Creates the tables that do not exist yet; `run` executes one SQL statement. */
export async function createVicidialTables(run: (sql: string) => Promise<unknown>): Promise<void> {
  for (const ddl of Object.values(VICIDIAL_TABLES)) await run(ddl);
}
