import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ObservabilityModule } from './observability.module';
import { ReadinessRegistry } from './health/readiness-registry';
import { MetricsRegistry } from './metrics/metrics.registry';

@Module({
  imports: [
    ObservabilityModule.forRoot({ serviceName: 'obs-test', level: 'silent', pretty: false }),
  ],
})
class TestModule {}

describe('ObservabilityModule over real HTTP', () => {
  let app: INestApplication;
  let base: string;
  let dbUp = true;

  beforeAll(async () => {
    app = await NestFactory.create(TestModule, { logger: false });
    app.get(ReadinessRegistry).register('database', () => ({ up: dbUp, detail: { pool: 1 } }));
    app
      .get(ReadinessRegistry)
      .register(
        'slow',
        () => new Promise((resolve) => setTimeout(() => resolve({ up: true }), 10)),
      );
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers liveness regardless of dependencies', async () => {
    dbUp = false;
    const response = await fetch(`${base}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { process: { status: 'up' } },
    });
  });

  it('answers readiness 200 when every dependency is up and 503 naming the one that is down', async () => {
    dbUp = true;
    const ok = await fetch(`${base}/health/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up', pool: 1 }, slow: { status: 'up' } },
    });

    dbUp = false;
    const down = await fetch(`${base}/health/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: 'error',
      error: { database: { status: 'down' } },
    });
  });

  it('serves Prometheus metrics from the service registry, labelled with the service', async () => {
    app.get(MetricsRegistry).counter({ name: 'widgets_total', help: 'widgets' }).inc(3);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/widgets_total\{service="obs-test"\} 3/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
  });

  it('gives each app its own registry, so two apps in one process do not clash', async () => {
    const second = await NestFactory.create(TestModule, { logger: false });
    await second.init();
    expect(() =>
      second.get(MetricsRegistry).counter({ name: 'widgets_total', help: 'widgets' }),
    ).not.toThrow();
    expect(second.get(MetricsRegistry)).not.toBe(app.get(MetricsRegistry));
    await second.close();
  });
});
