import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '../../..');

type Manifest = {
  kind: string;
  metadata: { name: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary Kubernetes YAML, checked field by field below
  spec?: any;
  data?: Record<string, string>;
};

/** Tags of an app that is a command run on demand (the replay tool), not a service. */
const commandTag = 'runs:command';

/** Every project under apps/ is a deployable service, but commands. */
const APPS = readdirSync(join(ROOT, 'apps')).filter((name) => {
  const project = join(ROOT, 'apps', name, 'project.json');
  if (!existsSync(project)) return false;
  const { tags = [] } = JSON.parse(readFileSync(project, 'utf8')) as { tags?: string[] };
  return !tags.includes(commandTag);
});
/** Apps with a NestJS process (the dashboard is static files behind nginx). */
const NEST_APPS = APPS.filter((app) => existsSync(join(ROOT, 'apps', app, 'src/main.ts')));

/** The simulator is the demo overlay's; everything else is in the base. */
const manifestDir = (app: string) =>
  app === 'asterisk-sim' ? 'deploy/k8s/overlays/demo' : 'deploy/k8s/base';

function manifests(app: string): Manifest[] {
  const text = readFileSync(join(ROOT, manifestDir(app), `${app}.yaml`), 'utf8');
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${app}.yaml: ${doc.errors[0].message}`);
    return doc.toJS() as Manifest;
  });
}

function only(list: Manifest[], kind: string): Manifest {
  const found = list.filter((m) => m.kind === kind);
  expect(found.map((m) => m.kind)).toEqual([kind]);
  return found[0];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: { context: string; dockerfile: string; args?: Record<string, string> };
      environment?: Record<string, string>;
      command?: string[];
      image?: string;
      volumes?: string[];
    }
  >;
};

describe('deployment files', () => {
  it('finds the services of the architecture in apps/', () => {
    expect(APPS).toEqual(
      expect.arrayContaining([
        'ari-ingest',
        'media-gateway',
        'call-logger',
        'dashboard-api',
        'dashboard',
        'asterisk-sim',
      ]),
    );
  });

  describe.each(APPS)('%s', (app) => {
    const service = compose.services[app];
    const dockerfilePath = service?.build?.dockerfile ?? `(no compose build for ${app})`;
    const dockerfile = readFileSync(join(ROOT, dockerfilePath), 'utf8');
    const k8s = manifests(app);
    const deployment = only(k8s, 'Deployment');
    const container = deployment.spec.template.spec.containers[0];

    it('has a multi-stage Dockerfile that builds this app and runs unprivileged', () => {
      const stages = dockerfile.match(/^FROM\s+\S+\s+AS\s+\w+/gim) ?? [];
      expect(stages.length).toBeGreaterThanOrEqual(2);
      // Either the app's own Dockerfile, or the shared service Dockerfile given APP=<app>.
      const builtApp = service.build?.args?.['APP'] ?? app;
      expect(builtApp).toBe(app);
      expect(dockerfile).toMatch(
        service.build?.args?.['APP'] ? /npx nx build "\$APP"/ : new RegExp(`npx nx build ${app}`),
      );
      const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
      expect(runtime).toMatch(/\nUSER \w+|nginx-unprivileged/);
      expect(runtime).toMatch(/HEALTHCHECK/);
    });

    it('has a ConfigMap, Deployment and Service of its name, listed in the kustomization', () => {
      for (const kind of ['ConfigMap', 'Deployment', 'Service'])
        expect(only(k8s, kind).metadata.name).toBe(app);
      const kustomization = parse(
        readFileSync(join(ROOT, manifestDir(app), 'kustomization.yaml'), 'utf8'),
      ) as { resources: string[] };
      expect(kustomization.resources).toContain(`${app}.yaml`);
      expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
      expect(deployment.spec.template.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': app,
      });
      expect(only(k8s, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': app });
    });

    it('declares resource requests and probes on its HTTP port', () => {
      expect(container.resources.requests).toEqual({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.livenessProbe.httpGet.port).toBe('http');
      expect(container.readinessProbe.httpGet.port).toBe('http');
      const httpPort = container.ports.find(
        (p: { name: string }) => p.name === 'http',
      ).containerPort;
      expect(only(k8s, 'Service').spec.ports[0].port).toBe(httpPort);
      if (NEST_APPS.includes(app)) {
        expect(container.livenessProbe.httpGet.path).toBe('/health/live');
        expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
        expect(only(k8s, 'ConfigMap').data?.['HTTP_PORT']).toBe(String(httpPort));
        expect(service.build?.args?.['HTTP_PORT']).toBe(String(httpPort));
        expect(service.environment?.['HTTP_PORT']).toBe(String(httpPort));
      }
    });

    it('has a compose service built from the repository with its image name', () => {
      expect(service.build?.context).toBe('.');
      expect(service.image).toBe(`audio-streaming-bridge/${app}`);
      expect(container.image).toBe(`audio-streaming-bridge/${app}:latest`);
    });
  });

  it('autoscales media-gateway and keeps one gateway per node on the host network', () => {
    const k8s = manifests('media-gateway');
    const hpa = only(k8s, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'media-gateway',
    });
    const pod = only(k8s, 'Deployment').spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(
      pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
    ).toBe('kubernetes.io/hostname');
  });

  it('runs NATS with JetStream and PostgreSQL in compose, and keeps passwords out of it', () => {
    expect(compose.services['nats'].command).toContain('-js');
    expect(compose.services['postgres'].image).toMatch(/^postgres:/);
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).not.toMatch(/^\s*[A-Z_]*PASSWORD:\s*(?!\$\{)\S/m);
    // No secret falls back to a value everyone knows (an empty default leaves it unset).
    expect(text).not.toMatch(/\$\{[A-Z_]*(PASSWORD|SECRET|TOKEN)[A-Z_]*:-[^}]/);
  });

  it('names in tools/dev/compose-env.sh every variable compose requires', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const required = new Set([...text.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]));
    const script = readFileSync(join(ROOT, 'tools/dev/compose-env.sh'), 'utf8');
    const written = new Set([
      ...[...script.matchAll(/^\s*echo "([A-Z_]+)=/gm)].map((m) => m[1]),
      ...[...script.matchAll(/for user in ([A-Z_ ]+);/g)].flatMap((m) =>
        m[1].split(' ').map((user) => `${user}_NATS_PASSWORD`),
      ),
    ]);
    expect([...required].filter((variable) => !written.has(variable))).toEqual([]);
    expect(required.size).toBeGreaterThan(5);
  });

  it('runs NATS in compose with its users, and each service as its own user', () => {
    const nats = compose.services['nats'];
    expect(nats.command?.slice(0, 2)).toEqual(['-c', '/etc/nats/nats-server.conf']);
    expect(nats.volumes).toContain(
      './deploy/k8s/base/nats/nats-server.conf:/etc/nats/nats-server.conf:ro',
    );
    const conf = readFileSync(join(ROOT, 'deploy/k8s/base/nats/nats-server.conf'), 'utf8');
    for (const app of [
      'ari-ingest',
      'media-gateway',
      'call-logger',
      'dashboard-api',
      'stream-egress',
    ]) {
      const variable = `${app.toUpperCase().replace(/-/g, '_')}_NATS_PASSWORD`;
      const environment = compose.services[app].environment ?? {};
      expect({ app, user: environment['NATS_USER'] }).toEqual({ app, user: app });
      expect(environment['NATS_PASSWORD']).toMatch(new RegExp(`^\\$\\{${variable}:\\?`));
      expect(nats.environment?.[variable]).toMatch(new RegExp(`^\\$\\{${variable}:\\?`));
      expect(conf).toContain(`user: "${app}"\n      password: $${variable}`);
    }
  });

  it('keeps recordings, scratch files and secrets out of git and of every image build', () => {
    const ignored = (file: string) => readFileSync(join(ROOT, file), 'utf8').split('\n');
    expect(ignored('.gitignore')).toEqual(expect.arrayContaining(['recordings/', 'tmp/', '.env']));
    expect(ignored('.dockerignore')).toEqual(
      expect.arrayContaining(['recordings', 'tmp', '.env', 'node_modules', 'dist']),
    );
  });

  describe('rendered overlays (kubectl kustomize)', () => {
    /** Renders an overlay as kubectl would apply it. */
    function render(overlay: string): Manifest[] {
      let text: string;
      try {
        text = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/k8s/overlays', overlay)], {
          encoding: 'utf8',
        });
      } catch (error) {
        throw new Error(`kubectl kustomize (needed to render deploy/k8s) failed: ${error}`);
      }
      return parseAllDocuments(text).map((doc) => doc.toJS() as Manifest);
    }
    type Workload = Manifest & { metadata: { name: string; namespace?: string } };
    const workloads = (list: Manifest[]) =>
      list.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet') as Workload[];
    const containersOf = (workload: Workload) =>
      workload.spec.template.spec.containers as Array<{
        name: string;
        image: string;
        envFrom?: Array<{ secretRef?: { name: string; optional?: boolean } }>;
        resources: { requests?: object; limits?: { memory?: string } };
        readinessProbe?: object;
        livenessProbe?: object;
      }>;
    const production = render('production');
    const demo = render('demo');
    const overAudioSocket = render('production-audiosocket');
    const deployDocs = readFileSync(join(ROOT, 'deploy/README.md'), 'utf8');
    const secretsScript = readFileSync(join(ROOT, 'deploy/k8s/create-secrets.sh'), 'utf8');

    it('deploys no simulator and no made-up database in production, and both in the demo', () => {
      const names = (list: Manifest[]) =>
        workloads(list)
          .map((w) => w.metadata.name)
          .sort();
      expect(names(production)).toEqual(
        [...NEST_APPS.filter((app) => app !== 'asterisk-sim'), 'dashboard', 'nats'].sort(),
      );
      expect(names(demo)).toEqual([...names(production), 'asterisk-sim', 'postgres'].sort());
      const ariIngest = production.find(
        (m) => m.kind === 'ConfigMap' && m.metadata.name === 'ari-ingest',
      );
      expect(ariIngest?.data?.['ARI_SERVERS']).not.toMatch(/asterisk-sim/);
    });

    it('takes every image of ours from the registry and release the production overlay names', () => {
      for (const workload of workloads(production)) {
        for (const container of containersOf(workload)) {
          if (container.image.startsWith('nats:')) continue;
          expect(container.image).toMatch(
            /^registry\.example\.com\/audio-streaming-bridge\/[a-z-]+:\d+\.\d+\.\d+$/,
          );
        }
      }
    });

    it('gives every workload probes, requests and a memory limit', () => {
      for (const workload of [production, demo, overAudioSocket].flatMap(workloads)) {
        for (const container of containersOf(workload)) {
          const what = `${workload.metadata.name}/${container.name}`;
          expect({
            what,
            probes: Boolean(container.readinessProbe && container.livenessProbe),
          }).toEqual({
            what,
            probes: true,
          });
          expect({ what, limit: container.resources.limits?.memory !== undefined }).toEqual({
            what,
            limit: true,
          });
        }
      }
    });

    it("mounts each service's own Secret, never an optional shared one, and documents and creates each", () => {
      for (const overlay of [production, demo, overAudioSocket]) {
        for (const workload of workloads(overlay)) {
          for (const container of containersOf(workload)) {
            for (const source of container.envFrom ?? []) {
              if (!source.secretRef) continue;
              const { name, optional } = source.secretRef;
              expect({ name, optional }).toEqual({ name, optional: undefined });
              expect(name).not.toBe('audio-bridge-secrets');
              expect({ name, documented: deployDocs.includes(`\`${name}\``) }).toEqual({
                name,
                documented: true,
              });
              expect({ name, created: secretsScript.includes(`apply ${name} `) }).toEqual({
                name,
                created: true,
              });
            }
          }
        }
      }
      const dashboard = workloads(production).find((w) => w.metadata.name === 'dashboard');
      expect(containersOf(dashboard as Workload)[0].envFrom?.some((e) => e.secretRef)).toBe(false);
    });

    it('ships NATS with its users, network policies, disruption budgets, an Ingress and shared recordings', () => {
      const kinds = (kind: string) => production.filter((m) => m.kind === kind);
      const nats = workloads(production).find((w) => w.metadata.name === 'nats') as Workload;
      expect(containersOf(nats)[0].envFrom).toEqual([{ secretRef: { name: 'nats-secrets' } }]);
      const natsConfig = kinds('ConfigMap').find((m) => m.metadata.name.startsWith('nats-config'));
      expect(natsConfig?.data?.['nats-server.conf']).toBe(
        readFileSync(join(ROOT, 'deploy/k8s/base/nats/nats-server.conf'), 'utf8'),
      );
      expect(kinds('NetworkPolicy').map((m) => m.metadata.name)).toEqual(
        expect.arrayContaining([
          'default-deny-ingress',
          'nats-clients',
          'dashboard-api-from-dashboard',
        ]),
      );
      const budgets = kinds('PodDisruptionBudget').map(
        (m) => m.spec.selector.matchLabels['app.kubernetes.io/name'],
      );
      expect(budgets.sort()).toEqual(
        workloads(production)
          .map((w) => w.metadata.name)
          .sort(),
      );
      const [ingress] = kinds('Ingress');
      const backends = ingress.spec.rules.flatMap(
        (rule: { http: { paths: Array<{ backend: { service: { name: string } } }> } }) =>
          rule.http.paths.map((path) => path.backend.service.name),
      );
      expect(backends.sort()).toEqual(['dashboard', 'stream-egress']);
      expect(ingress.spec.tls).toHaveLength(1);
      const [recordings] = kinds('PersistentVolumeClaim');
      expect(recordings.spec).toMatchObject({
        accessModes: ['ReadWriteMany'],
        storageClassName: expect.any(String),
      });
    });

    it('runs the AudioSocket variant without a UDP range: one TCP Service in front of the gateways', () => {
      const find = (list: Manifest[], kind: string, name: string) =>
        list.find((m) => m.kind === kind && m.metadata.name === name) as Manifest;
      const gateway = find(overAudioSocket, 'Deployment', 'media-gateway').spec.template.spec;
      expect(find(production, 'Deployment', 'media-gateway').spec.template.spec.hostNetwork).toBe(
        true,
      );
      expect(gateway.hostNetwork).toBeUndefined();
      expect(gateway.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBe(
        undefined,
      );
      const container = gateway.containers[0];
      expect(container.env).toContainEqual({
        name: 'GATEWAY_ADVERTISED_HOST',
        valueFrom: { fieldRef: { fieldPath: 'status.podIP' } },
      });
      const port = find(overAudioSocket, 'ConfigMap', 'media-gateway').data?.[
        'GATEWAY_AUDIOSOCKET_PORT'
      ];
      expect(container.ports).toContainEqual({
        name: 'audiosocket',
        containerPort: Number(port),
        protocol: 'TCP',
      });
      const service = find(overAudioSocket, 'Service', 'media-gateway-audiosocket');
      expect(service.spec).toMatchObject({
        type: 'LoadBalancer',
        // The gateway checks the connection's source: it must stay the Asterisk server's.
        externalTrafficPolicy: 'Local',
        selector: { 'app.kubernetes.io/name': 'media-gateway' },
        ports: [{ port: Number(port), targetPort: 'audiosocket', protocol: 'TCP' }],
      });
      const ingest = find(overAudioSocket, 'ConfigMap', 'ari-ingest').data ?? {};
      expect(ingest['TAP_TRANSPORT']).toBe('audiosocket');
      expect(ingest['TAP_AUDIOSOCKET_ADDRESS']).toMatch(new RegExp(`:${port}$`));
      const policy = find(overAudioSocket, 'NetworkPolicy', 'media-gateway-audiosocket');
      expect(policy.spec.ingress[0].ports).toEqual([{ port: Number(port), protocol: 'TCP' }]);
      expect(
        find(overAudioSocket, 'HorizontalPodAutoscaler', 'media-gateway').spec.maxReplicas,
      ).toBeGreaterThan(
        find(production, 'HorizontalPodAutoscaler', 'media-gateway').spec.maxReplicas,
      );
      expect(deployDocs).toMatch(/## media-gateway and AudioSocket/);
    });
  });

  it('runs the replay tool as a Job that publishes as replay and only reads the recordings', () => {
    const [job] = parseAllDocuments(
      readFileSync(join(ROOT, 'deploy/k8s/jobs/replay.yaml'), 'utf8'),
    ).map((doc) => doc.toJS() as Manifest);
    expect(job.kind).toBe('Job');
    const pod = job.spec.template.spec;
    const container = pod.containers[0];
    expect(container.env).toContainEqual({ name: 'NATS_USER', value: 'replay' });
    expect(container.envFrom).toEqual([{ secretRef: { name: 'replay-secrets' } }]);
    expect(container.volumeMounts).toEqual([
      { name: 'recordings', mountPath: '/var/lib/asb/recordings', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      {
        name: 'recordings',
        persistentVolumeClaim: { claimName: 'call-recordings', readOnly: true },
      },
    ]);
    // The path call-logger writes, so the recordings' paths in the database hold here too.
    expect(readFileSync(join(ROOT, 'deploy/k8s/base/call-logger.yaml'), 'utf8')).toContain(
      '{ name: RECORDINGS_DIR, value: /var/lib/asb/recordings }',
    );
    expect(pod.restartPolicy).toBe('Never');
    expect(readFileSync(join(ROOT, 'deploy/README.md'), 'utf8')).toContain('`replay-secrets`');
  });
});
