import { createConnection } from 'mysql2/promise';

/** Server-level URL of the machine's MariaDB; tests create their own databases on it. */
export const MARIADB_ADMIN_URL = process.env['MARIADB_ADMIN_URL'] ?? 'mysql://root@127.0.0.1:3306/';

const SAFE_NAME = /^[A-Za-z0-9_]{1,64}$/;

function checked(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`not a safe database name: ${name}`);
  return name;
}

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const admin = await createConnection(adminUrl);
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Drops and creates a MariaDB database, so a test starts from nothing; returns its URL. */
export async function freshMariaDatabase(
  name: string,
  adminUrl = MARIADB_ADMIN_URL,
): Promise<string> {
  await dropMariaDatabase(name, adminUrl);
  await asAdmin(adminUrl, `CREATE DATABASE \`${checked(name)}\` CHARACTER SET utf8mb4`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropMariaDatabase(name: string, adminUrl = MARIADB_ADMIN_URL): Promise<void> {
  await asAdmin(adminUrl, `DROP DATABASE IF EXISTS \`${checked(name)}\``);
}
