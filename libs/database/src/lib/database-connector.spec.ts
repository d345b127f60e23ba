import { Test } from '@nestjs/testing';
import { INestApplicationContext } from '@nestjs/common';
import { MigrationInterface, QueryRunner, DataSource } from 'typeorm';
import { loadConfig, databaseEnv } from '@asb/config';
import { ObservabilityModule, ReadinessRegistry } from '@asb/observability';
import { freePort, PostgresTestServer } from '@asb/testing';
import { DatabaseModule } from './database.module';
import { DatabaseConnector } from './database-connector';

class CreateProbeTable1700000000000 implements MigrationInterface {
  name = 'CreateProbeTable1700000000000';

  async up(runner: QueryRunner): Promise<void> {
    // Slow on purpose, so that two replicas would overlap without the lock.
    await runner.query('SELECT pg_sleep(0.3)');
    await runner.query('CREATE TABLE probe (id serial PRIMARY KEY)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE probe');
  }
}

async function startReplica(url: string): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ObservabilityModule.forRoot({
        serviceName: 'database-lib-test',
        level: 'silent',
        pretty: false,
      }),
      DatabaseModule.forRoot({
        env: loadConfig(databaseEnv, { env: { DATABASE_URL: url } }),
        entities: [],
        migrations: [CreateProbeTable1700000000000],
        runMigrations: true,
        applicationName: 'database-lib-test',
      }),
    ],
  }).compile();
  return moduleRef.init();
}

async function isReady(app: INestApplicationContext): Promise<boolean> {
  const [, check] =
    app
      .get(ReadinessRegistry)
      .entries()
      .find(([name]) => name === 'database') ?? [];
  return check ? (await check()).up : false;
}

describe('DatabaseConnector against a private PostgreSQL', () => {
  let server: PostgresTestServer;

  beforeAll(async () => {
    server = new PostgresTestServer(await freePort());
  });

  afterAll(() => {
    server.dispose();
  });

  it('starts while the database is down, becomes ready when it is up, and two replicas migrate once', async () => {
    const replicas = await Promise.all([startReplica(server.url), startReplica(server.url)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await isReady(replicas[0])).toBe(false);
    server.start();
    await Promise.all(replicas.map((app) => app.get(DatabaseConnector).ready));
    expect(await isReady(replicas[0])).toBe(true);

    const dataSource = replicas[0].get(DataSource);
    const applied = await dataSource.query('SELECT name FROM migrations');
    expect(applied).toEqual([{ name: 'CreateProbeTable1700000000000' }]);
    await Promise.all(replicas.map((app) => app.close()));
  }, 60_000);
});
