import { Client } from 'pg';
import { POSTGRES_ADMIN_URL } from '@asb/testing';

/** Drops and creates a database on the shared server, so a test starts from empty tables. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '')}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
