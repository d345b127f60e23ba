import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function postgresBinDir(): string {
  if (process.env['PG_BIN_DIR']) return process.env['PG_BIN_DIR'];
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries found; set PG_BIN_DIR');
  return join(root, versions[0], 'bin');
}

/**
 * A private PostgreSQL cluster on its own port that a test can stop and start, for outage
 * tests that must not disturb the shared server. PostgreSQL refuses to run as root, so when
 * the tests run as root the cluster belongs to the `postgres` user.
 */
export class PostgresTestServer {
  private readonly dataDir: string;
  private readonly bin = postgresBinDir();
  private readonly asRoot = process.getuid?.() === 0;

  constructor(readonly port: number) {
    const parent = mkdtempSync(join(tmpdir(), 'asb-pg-'));
    this.dataDir = join(parent, 'data');
    if (this.asRoot) chownSync(parent, this.uid('postgres'), this.uid('postgres', 'g'));
    this.run('initdb', [
      '-D',
      this.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private uid(user: string, kind: 'u' | 'g' = 'u'): number {
    return Number(
      execFileSync('id', [`-${kind}`, user])
        .toString()
        .trim(),
    );
  }

  private run(tool: string, args: string[]): void {
    const command = this.asRoot ? 'runuser' : join(this.bin, tool);
    const fullArgs = this.asRoot ? ['-u', 'postgres', '--', join(this.bin, tool), ...args] : args;
    const result = spawnSync(command, fullArgs, { encoding: 'utf8', cwd: tmpdir() });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  }

  start(): void {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${tmpdir()} -c fsync=off -c full_page_writes=off`;
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-w',
      '-t',
      '30',
      '-l',
      join(this.dataDir, 'server.log'),
      'start',
    ]);
  }

  /** An abrupt stop (immediate mode): connections break as they would when a database host dies. */
  stop(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  dispose(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
  }
}
