import { Client } from 'pg';

/** Server-level URL; tests create their own databases on it. */
export const POSTGRES_ADMIN_URL =
  process.env['POSTGRES_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function quoted(name: string): string {
  return `"${name.replace(/"/g, '')}"`;
}

function databaseUrl(name: string, adminUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function asAdmin(adminUrl: string, work: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/** Creates (once) a database for a test run and returns its URL. */
export async function ensureDatabase(name: string, adminUrl = POSTGRES_ADMIN_URL): Promise<string> {
  await asAdmin(adminUrl, async (admin) => {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${quoted(name)}`);
  });
  return databaseUrl(name, adminUrl);
}

/** Drops and creates a database, so a test starts from an empty schema; returns its URL. */
export async function freshDatabase(name: string, adminUrl = POSTGRES_ADMIN_URL): Promise<string> {
  await dropDatabase(name, adminUrl);
  await asAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${quoted(name)}`));
  return databaseUrl(name, adminUrl);
}

/** Drops a database even while connections to it are open. */
export async function dropDatabase(name: string, adminUrl = POSTGRES_ADMIN_URL): Promise<void> {
  await asAdmin(adminUrl, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`),
  );
}
