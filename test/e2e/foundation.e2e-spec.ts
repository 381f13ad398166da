/**
 * The whole path of a command, in both modes: an HTTP request with a token enters the gateway, becomes a
 * command on the bus, the inventory handles it and emits an event, and the audit trail records both with
 * the token's name as actor and the request's correlation id.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { apiGatewayService } from '@somnus/api-gateway';
import { auditService } from '@somnus/audit';
import { inventoryService } from '@somnus/inventory';
import { Host, loadRuntimeConfig, startHost } from '@somnus/runtime';
import { removeJetStreamNamespace } from '@somnus/bus';
import { createTestDatabase, describeWithServices, realServices, uniqueName } from '@somnus/testing';
import { startTracing, TracingHandle } from '@somnus/telemetry';

interface Stack {
  url: string;
  adminToken: string;
  adminTokenFile: string;
  /** Changes a recorded audit record behind the service's back, as an attacker with database access would. */
  tamper(): Promise<void>;
  close(): Promise<void>;
}

const root = resolve(__dirname, '../..');
const execFileAsync = promisify(execFile);

/** Runs the CLI as a user would; resolves with its exit code and output. */
async function cli(stack: Stack, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['-r', './tools/register.js', 'tools/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, SOMNUS_URL: stack.url, SOMNUS_TOKEN: stack.adminToken },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const node = (name: string) => ({
  name,
  tier: 'staging',
  mac: '52:54:00:aa:bb:01',
  ip: '10.0.0.21',
  capacity: { cpu: 16, memoryMiB: 65536, gpu: 0 },
  labels: { rack: 'r1' },
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function describeFoundation(mode: string, startStack: () => Promise<Stack>): void {
  describe(`foundation end to end (${mode})`, () => {
    let stack: Stack;
    let operate: string;
    let read: string;

    beforeAll(async () => {
      stack = await startStack();
      const api = request(stack.url);
      operate = (await api.post('/api/v1/tokens').set('authorization', `Bearer ${stack.adminToken}`).send({ name: 'e2e-operator', role: 'operate' }).expect(201)).body.token;
      read = (await api.post('/api/v1/tokens').set('authorization', `Bearer ${stack.adminToken}`).send({ name: 'e2e-reader', role: 'read' }).expect(201)).body.token;
    }, 120_000);
    afterAll(async () => {
      await stack?.close();
    }, 60_000);

    it('wrote the first admin token to a file only its owner can read', () => {
      expect(statSync(stack.adminTokenFile).mode & 0o777).toBe(0o600);
      expect(stack.adminToken).toMatch(/^somnus_/);
    });

    it('creates a node with a token, reads it back, and records the create with actor and correlation', async () => {
      const api = request(stack.url);
      const correlationId = uniqueName('corr');
      const created = await api.post('/api/v1/nodes').set('authorization', `Bearer ${operate}`).set('x-correlation-id', correlationId).send(node('e2e-node-1')).expect(201);
      expect(created.body).toMatchObject({ name: 'e2e-node-1', tier: 'staging', version: 1 });
      expect(created.headers['x-correlation-id']).toBe(correlationId);

      const read1 = await api.get(`/api/v1/nodes/${created.body.id}`).set('authorization', `Bearer ${read}`).expect(200);
      // These stacks host no lifecycle service, so the node has no status yet.
      expect(read1.body).toEqual({ ...created.body, status: null });
      const byName = await api.get('/api/v1/nodes/e2e-node-1').set('authorization', `Bearer ${read}`).expect(200);
      expect(byName.body.id).toBe(created.body.id);

      const records = await eventually(async () => {
        const page = await api.get('/api/v1/audit').query({ correlationId }).set('authorization', `Bearer ${read}`).expect(200);
        return page.body.items.length >= 2 ? (page.body.items as { type: string; actor: string; correlationId: string; kind: string }[]) : undefined;
      });
      expect(records.map((r) => r.type).sort()).toEqual(['io.somnus.inventory.create-node.v1', 'io.somnus.inventory.node-upserted.v1']);
      for (const record of records) expect(record).toMatchObject({ actor: 'e2e-operator', correlationId });

      const verification = await api.get('/api/v1/audit/verify').set('authorization', `Bearer ${read}`).expect(200);
      expect(verification.body).toMatchObject({ ok: true, firstBroken: null });
    });

    it('refuses bad input with a 400 that names every wrong field, and creates nothing', async () => {
      const api = request(stack.url);
      const response = await api
        .post('/api/v1/nodes')
        .set('authorization', `Bearer ${operate}`)
        .send({ name: 'Bad Name', tier: 'gold', mac: 'zz:zz', ip: '999.1.1.1', capacity: { cpu: -2, memoryMiB: 0 } })
        .expect(400);
      expect(response.body.error.code).toBe('invalid');
      for (const field of ['name', 'tier', 'mac', 'ip', 'capacity.cpu', 'capacity.memoryMiB']) expect(response.body.error.message).toContain(field);
      const list = await api.get('/api/v1/nodes').set('authorization', `Bearer ${read}`).expect(200);
      expect(list.body.items.map((n: { name: string }) => n.name)).not.toContain('Bad Name');
    });

    it('answers 409 for a taken name, 404 for an unknown node, 409 for a stale version', async () => {
      const api = request(stack.url);
      await api.post('/api/v1/nodes').set('authorization', `Bearer ${operate}`).send(node('e2e-dup')).expect(201);
      const dup = await api.post('/api/v1/nodes').set('authorization', `Bearer ${operate}`).send(node('e2e-dup')).expect(409);
      expect(dup.body.error.message).toContain('already exists');
      await api.get('/api/v1/nodes/no-such-node').set('authorization', `Bearer ${read}`).expect(404);
      const patched = await api.patch('/api/v1/nodes/e2e-dup').set('authorization', `Bearer ${operate}`).set('if-match', '1').send({ labels: { rack: 'r2' } }).expect(200);
      expect(patched.body).toMatchObject({ version: 2, labels: { rack: 'r2' }, tier: 'staging' });
      const stale = await api.patch('/api/v1/nodes/e2e-dup').set('authorization', `Bearer ${operate}`).set('if-match', '1').send({ tier: 'dev' }).expect(409);
      expect(stale.body.error.message).toContain('version 2');
    });

    it('enforces token roles: none 401, read cannot change, operate cannot manage tokens', async () => {
      const api = request(stack.url);
      await api.get('/api/v1/nodes').expect(401);
      await api.get('/api/v1/nodes').set('authorization', 'Bearer somnus_not-a-real-token-but-the-right-length-0123').expect(401);
      const forbidden = await api.post('/api/v1/nodes').set('authorization', `Bearer ${read}`).send(node('e2e-reader-node')).expect(403);
      expect(forbidden.body.error.message).toContain('needs operate');
      await api.get('/api/v1/tokens').set('authorization', `Bearer ${operate}`).expect(403);
      const tokens = await api.get('/api/v1/tokens').set('authorization', `Bearer ${stack.adminToken}`).expect(200);
      expect(JSON.stringify(tokens.body)).not.toContain('somnus_');
      await api.get('/healthz').expect(200);
      const ready = await api.get('/readyz').expect(200);
      expect(ready.body.dependencies.map((d: { name: string }) => d.name).sort()).toEqual(['bus', 'cache', 'database']);
      const metrics = await api.get('/metrics').expect(200);
      expect(metrics.text).toContain('somnus_http_requests_total');
      await api.get('/api/docs-json').set('authorization', `Bearer ${read}`).expect(200);
    });

    it('the CLI verifies the audit trail, and names the record someone altered (runs last: it tampers)', async () => {
      const intact = await cli(stack, 'audit', 'verify');
      expect(intact).toMatchObject({ code: 0, stdout: expect.stringContaining('audit trail intact') });
      await stack.tamper();
      const broken = await cli(stack, 'audit', 'verify');
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain('BROKEN at record 1');
      const refused = await cli(stack, 'nodes', 'get', 'no-such-node');
      expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('404') });
    }, 120_000);
  });
}

function config(overrides: Record<string, string>) {
  return loadRuntimeConfig({ PORT: '0', HEALTH_PORT: '0', LOG_LEVEL: 'warn', SOMNUS_COMMAND_TIMEOUT_MS: '10000', ...overrides });
}

function stackFrom(hosts: Host[], dataDir: string, cleanup: () => Promise<void> = async () => undefined): Stack {
  const gateway = hosts.find((host) => host.url)!;
  const audit = hosts.find((host) => host.infrastructure.has('audit'))!;
  const adminTokenFile = join(dataDir, 'admin-token');
  return {
    url: gateway.url!,
    adminToken: readFileSync(adminTokenFile, 'utf8').trim(),
    adminTokenFile,
    tamper: async () => void (await audit.dataSource.query(`UPDATE audit.records SET actor = 'mallory' WHERE seq = 1`)),
    close: async () => {
      for (const host of hosts) await host.close();
      await cleanup();
    },
  };
}

describeFoundation('all-in-one, embedded', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'somnus-e2e-'));
  const host = await startHost({ descriptors: [inventoryService, auditService, apiGatewayService], config: config({ SOMNUS_MODE: 'all-in-one', SOMNUS_DATA_DIR: dataDir }), logger: false });
  return stackFrom([host], dataDir);
});

describeWithServices(['postgres', 'nats', 'redis'], 'distributed', () => {
  let tracing: TracingHandle;
  beforeAll(() => {
    tracing = startTracing({ service: 'e2e', exporter: 'memory' });
  });
  afterAll(async () => {
    await tracing.shutdown();
  });

  describeFoundation('distributed: one host per service over JetStream, PostgreSQL and Redis', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'somnus-e2e-'));
    const database = await createTestDatabase();
    const namespace = uniqueName('e2e');
    const env = { SOMNUS_MODE: 'distributed', SOMNUS_DATA_DIR: dataDir, DATABASE_URL: database.url, NATS_URL: realServices.natsUrl, REDIS_URL: realServices.redisUrl, SOMNUS_BUS_NAMESPACE: namespace };
    const hosts: Host[] = [];
    for (const descriptor of [inventoryService, auditService, apiGatewayService]) {
      hosts.push(await startHost({ descriptors: [descriptor], config: config(env), logger: false }));
    }
    return stackFrom(hosts, dataDir, async () => {
      await removeJetStreamNamespace(realServices.natsUrl, namespace);
      await database.drop();
    });
  });

  it('follows one request from the gateway across NATS into the inventory handler (one trace)', () => {
    const spans = tracing.memoryExporter!.getFinishedSpans();
    const request = spans.find((span) => span.name === 'POST /api/v1/nodes');
    expect(request).toBeDefined();
    const traceId = request!.spanContext().traceId;
    const handler = spans.find((span) => span.name === 'handle io.somnus.inventory.create-node.v1' && span.spanContext().traceId === traceId);
    expect(handler).toBeDefined();
  });
});
