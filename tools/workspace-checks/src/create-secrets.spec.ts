import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const SCRIPT = join(ROOT, 'deploy/k8s/create-secrets.sh');

/**
 * kubectl as the script uses it, with no cluster: `create secret ... --dry-run=client -o yaml`
 * prints the secret's literals, `apply -f -` records what it is given, `get namespace` succeeds.
 */
const FAKE_KUBECTL = `#!/usr/bin/env bash
set -euo pipefail
args=("$@")
if [[ "\${args[*]}" == *"create secret generic"* ]]; then
  name=""; literals=()
  for ((i = 0; i < \${#args[@]}; i++)); do
    [[ "\${args[i]}" == generic ]] && name="\${args[i+1]}"
    [[ "\${args[i]}" == --from-literal=* ]] && literals+=("\${args[i]#--from-literal=}")
  done
  echo "SECRET \${name}"
  for literal in "\${literals[@]}"; do echo "  \${literal}"; done
elif [[ "\${args[*]}" == "apply -f -" ]]; then
  cat >> "$APPLIED"
fi
`;

function run(mode: string, env: Record<string, string> = {}): Map<string, Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'asb-create-secrets-'));
  try {
    writeFileSync(join(dir, 'kubectl'), FAKE_KUBECTL);
    chmodSync(join(dir, 'kubectl'), 0o755);
    const applied = join(dir, 'applied.txt');
    writeFileSync(applied, '');
    execFileSync('bash', [SCRIPT, mode], {
      env: { PATH: `${dir}:${process.env['PATH']}`, APPLIED: applied, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const secrets = new Map<string, Map<string, string>>();
    let current: Map<string, string> | undefined;
    for (const line of readFileSync(applied, 'utf8').split('\n')) {
      if (line.startsWith('SECRET ')) secrets.set(line.slice(7), (current = new Map()));
      else if (line.trim()) {
        const [key, ...value] = line.trim().split('=');
        current?.set(key, value.join('='));
      }
    }
    return secrets;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/k8s/create-secrets.sh', () => {
  it("gives each service its own secret, whose NATS password is its user's in nats-secrets", () => {
    const secrets = run('demo');
    expect([...secrets.keys()].sort()).toEqual(
      [
        'ari-ingest-secrets',
        'asterisk-sim-secrets',
        'call-logger-secrets',
        'dashboard-api-secrets',
        'media-gateway-secrets',
        'nats-secrets',
        'postgres-secrets',
        'replay-secrets',
        'stream-egress-secrets',
      ].sort(),
    );
    const nats = secrets.get('nats-secrets') as Map<string, string>;
    for (const service of [
      'ari-ingest',
      'media-gateway',
      'call-logger',
      'dashboard-api',
      'stream-egress',
    ]) {
      const variable = `${service.toUpperCase().replace(/-/g, '_')}_NATS_PASSWORD`;
      expect(secrets.get(`${service}-secrets`)?.get('NATS_PASSWORD')).toBe(nats.get(variable));
      expect(nats.get(variable)).toMatch(/^[a-z][0-9a-f]{32}$/);
    }
    for (const user of ['AI_CONSUMER', 'AI_WORKER', 'REPLAY']) {
      expect(nats.get(`${user}_NATS_PASSWORD`)).toMatch(/^[a-z][0-9a-f]{32}$/);
    }
    // The replay Job (deploy/k8s/jobs/replay.yaml) logs in as replay and reads the calls.
    expect(secrets.get('replay-secrets')?.get('NATS_PASSWORD')).toBe(
      nats.get('REPLAY_NATS_PASSWORD'),
    );
    expect(secrets.get('replay-secrets')?.get('DATABASE_URL')).toBe(
      secrets.get('call-logger-secrets')?.get('DATABASE_URL'),
    );
    const dashboard = secrets.get('dashboard-api-secrets') as Map<string, string>;
    expect([...dashboard.keys()].sort()).toEqual(
      ['DASHBOARD_ADMIN_PASSWORD', 'DASHBOARD_JWT_SECRET', 'DATABASE_URL', 'NATS_PASSWORD'].sort(),
    );
    expect((dashboard.get('DASHBOARD_JWT_SECRET') as string).length).toBeGreaterThanOrEqual(32);
    expect((dashboard.get('DASHBOARD_ADMIN_PASSWORD') as string).length).toBeGreaterThanOrEqual(12);
    // The demo's database password is the one its PostgreSQL is given.
    expect(dashboard.get('DATABASE_URL')).toBe(
      `postgres://asb:${secrets.get('postgres-secrets')?.get('POSTGRES_PASSWORD')}@postgres:5432/asb`,
    );
    expect(secrets.get('asterisk-sim-secrets')?.get('SIM_ARI_PASSWORD')).toBe(
      secrets.get('ari-ingest-secrets')?.get('ARI_PASSWORD'),
    );
    expect([...(secrets.get('media-gateway-secrets') as Map<string, string>).keys()]).toEqual([
      'NATS_PASSWORD',
    ]);
  });

  it('takes what only the operator knows in production, and refuses to go on without it', () => {
    expect(() => run('production')).toThrow(/DATABASE_URL must be set for production/);
    const secrets = run('production', {
      DATABASE_URL: 'postgres://asb:own@db.internal:5432/asb',
      ARI_PASSWORD: 'the-pbx-password',
      VICIDIAL_DB_URL: 'mysql://bridge:ro@vicidial:3306/asterisk',
    });
    expect(secrets.has('asterisk-sim-secrets')).toBe(false);
    expect(secrets.has('postgres-secrets')).toBe(false);
    expect(secrets.get('call-logger-secrets')?.get('DATABASE_URL')).toBe(
      'postgres://asb:own@db.internal:5432/asb',
    );
    expect(secrets.get('ari-ingest-secrets')?.get('ARI_PASSWORD')).toBe('the-pbx-password');
    expect(secrets.get('ari-ingest-secrets')?.get('VICIDIAL_DB_URL')).toBe(
      'mysql://bridge:ro@vicidial:3306/asterisk',
    );
  });
});
