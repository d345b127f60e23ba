import { DataSource } from 'typeorm';

export interface VicidialConnectionOptions {
  /** `mysql://user:password@host:3306/asterisk` */
  url: string;
  /** Pool size: the reads are batched, so a couple of connections serve any number of calls. */
  connections: number;
  connectTimeoutMs: number;
}

/**
 * A TypeORM DataSource on a VICIdial database (MariaDB or MySQL, through mysql2). TCP keepalive
 * is on so that a database gone without a reset is noticed; callers bound each query's wait.
 */
export function vicidialDataSource(options: VicidialConnectionOptions): DataSource {
  return new DataSource({
    type: 'mysql',
    url: options.url,
    poolSize: options.connections,
    connectTimeout: options.connectTimeoutMs,
    charset: 'utf8mb4',
    extra: { enableKeepAlive: true, keepAliveInitialDelay: 10_000 },
  });
}
