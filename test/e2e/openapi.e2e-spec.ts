/**
 * The OpenAPI document says what the API answers; this asks the running all-in-one (embedded defaults, every
 * service) each operation, and checks that every answer's status is one the operation documents and that its
 * body is exactly the documented schema: it parses, and parsing neither adds a default nor drops a field.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request, { Response } from 'supertest';
import { apiErrorSchema, HTTP_OPERATIONS, HttpOperation, HttpStatusCode } from '@somnus/contracts';
import { apiGatewayService } from '@somnus/api-gateway';
import { auditService } from '@somnus/audit';
import { inventoryService } from '@somnus/inventory';
import { lifecycleService } from '@somnus/lifecycle';
import { powerService } from '@somnus/power';
import { Host, loadRuntimeConfig, startHost } from '@somnus/runtime';
import { schedulerService } from '@somnus/scheduler';

const operations = new Map(HTTP_OPERATIONS.map((operation) => [operation.operationId, operation]));
const checked = new Set<string>();

function operation(operationId: string): HttpOperation {
  const found = operations.get(operationId);
  if (!found) throw new Error(`no operation ${operationId} in the HTTP contracts`);
  return found;
}

/** Fails unless the answer is one the document describes for this operation, in status and in body. */
function conforms(operationId: string, response: Response): Response {
  const described = operation(operationId);
  const status = response.status as HttpStatusCode;
  const documented = described.responses[status];
  const isError = described.errors.includes(status as never);
  expect({ operationId, status, documented: Boolean(documented) || isError }).toEqual({ operationId, status, documented: true });
  const schema = documented ? documented.schema : apiErrorSchema;
  const body: unknown = documented?.contentType === 'text/plain' ? response.text : response.body;
  const parsed = schema.safeParse(body);
  expect({ operationId, status, problems: parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) }).toEqual({ operationId, status, problems: [] });
  // What zod outputs is what the document promises (defaults filled, no other fields): an exact answer parses to itself.
  if (parsed.success) expect(JSON.parse(JSON.stringify(parsed.data))).toEqual(body);
  checked.add(operationId);
  return response;
}

describe('the running API answers as its OpenAPI document says (all-in-one, embedded)', () => {
  let host: Host;
  let url: string;
  let admin: string;
  let read: string;
  let operate: string;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'somnus-openapi-'));
    host = await startHost({
      descriptors: [inventoryService, lifecycleService, schedulerService, powerService, auditService, apiGatewayService],
      config: loadRuntimeConfig({ PORT: '0', HEALTH_PORT: '0', LOG_LEVEL: 'warn', SOMNUS_COMMAND_TIMEOUT_MS: '10000', SOMNUS_MODE: 'all-in-one', SOMNUS_DATA_DIR: dataDir }),
      logger: false,
    });
    url = host.url!;
    admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const issue = async (name: string, role: string) => (conforms('createToken', await request(url).post('/api/v1/tokens').set('authorization', `Bearer ${admin}`).send({ name, role })).body as { token: string }).token;
    operate = await issue('openapi-operator', 'operate');
    read = await issue('openapi-reader', 'read');
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  }, 60_000);

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('nodes: create, list, read, change, maintenance, wake, sleep, the fleet, remove', async () => {
    const api = request(url);
    const spec = { name: 'openapi-node', tier: 'dev', mac: '52:54:00:AA:BB:01', ip: '10.0.0.31', capacity: { cpu: 4, memoryMiB: 8192 } };
    const created = conforms('createNode', await api.post('/api/v1/nodes').set(as(operate)).send(spec));
    expect(created.status).toBe(201);
    conforms('createNode', await api.post('/api/v1/nodes').set(as(operate)).send(spec)); // 409: the name is taken
    conforms('createNode', await api.post('/api/v1/nodes').set(as(operate)).send({ name: 'Bad Name' })); // 400
    conforms('createNode', await api.post('/api/v1/nodes').set(as(read)).send(spec)); // 403
    conforms('listNodes', await api.get('/api/v1/nodes').query({ tier: 'dev', limit: 5 }).set(as(read)));
    conforms('listNodes', await api.get('/api/v1/nodes').query({ limit: 0 }).set(as(read))); // 400
    conforms('listNodes', await api.get('/api/v1/nodes')); // 401
    conforms('getNode', await api.get('/api/v1/nodes/openapi-node').set(as(read)));
    conforms('getNode', await api.get('/api/v1/nodes/no-such-node').set(as(read))); // 404
    conforms('updateNode', await api.patch('/api/v1/nodes/openapi-node').set(as(operate)).set('if-match', '1').send({ labels: { rack: 'r1' } }));
    conforms('updateNode', await api.patch('/api/v1/nodes/openapi-node').set(as(operate)).set('if-match', '1').send({ tier: 'staging' })); // 409: stale
    conforms('setNodeMaintenance', await api.post('/api/v1/nodes/openapi-node/maintenance').set(as(operate)).send({ maintenance: true, reason: 'openapi conformance' }));
    conforms('setNodeMaintenance', await api.post('/api/v1/nodes/openapi-node/maintenance').set(as(operate)).send({ maintenance: false, reason: 'openapi conformance' }));
    conforms('wakeNode', await api.post('/api/v1/nodes/openapi-node/wake').set(as(operate)).send({ reason: 'openapi conformance' }));
    conforms('sleepNode', await api.post('/api/v1/nodes/openapi-node/sleep').set(as(operate)).send({}));
    conforms('listNodeStates', await api.get('/api/v1/fleet/states').set(as(read)));
    conforms('deleteNode', await api.delete('/api/v1/nodes/openapi-node').set(as(operate)));
  }, 60_000);

  it('calendars, decisions and energy', async () => {
    const api = request(url);
    const window = { name: 'openapi-hours', timeZone: 'Europe/Paris', days: ['mon', 'tue'], start: '08:00', end: '18:00' };
    const created = conforms('createCalendar', await api.post('/api/v1/calendars').set(as(operate)).send(window));
    const id = (created.body as { id?: string }).id ?? '';
    conforms('listCalendars', await api.get('/api/v1/calendars').set(as(read)));
    if (created.status === 201) {
      conforms('getCalendar', await api.get(`/api/v1/calendars/${id}`).set(as(read)));
      conforms('replaceCalendar', await api.put(`/api/v1/calendars/${id}`).set(as(operate)).send({ ...window, end: '19:00' }));
      conforms('deleteCalendar', await api.delete(`/api/v1/calendars/${id}`).set(as(operate)));
    }
    conforms('getCalendar', await api.get('/api/v1/calendars/not-a-uuid').set(as(read))); // 400
    conforms('getCalendar', await api.get('/api/v1/calendars/00000000-0000-4000-8000-000000000000').set(as(read))); // 404
    conforms('listDecisions', await api.get('/api/v1/decisions').query({ action: 'wake' }).set(as(read)));
    conforms('getEnergyTotals', await api.get('/api/v1/energy').set(as(read)));
    conforms('getEnergyTotals', await api.get('/api/v1/energy').query({ from: 'yesterday' }).set(as(read))); // 400
  }, 60_000);

  it('audit, tokens and health', async () => {
    const api = request(url);
    conforms('listAuditRecords', await api.get('/api/v1/audit').query({ limit: 3 }).set(as(read)));
    conforms('verifyAuditChain', await api.get('/api/v1/audit/verify').set(as(read)));
    conforms('listTokens', await api.get('/api/v1/tokens').set(as(admin)));
    conforms('listTokens', await api.get('/api/v1/tokens').set(as(operate))); // 403
    const spare = conforms('createToken', await api.post('/api/v1/tokens').set(as(admin)).send({ name: 'openapi-spare', role: 'read' }));
    conforms('revokeToken', await api.delete(`/api/v1/tokens/${(spare.body as { id: string }).id}`).set(as(admin)));
    conforms('revokeToken', await api.delete(`/api/v1/tokens/${(spare.body as { id: string }).id}`).set(as(admin))); // 404: already revoked
    conforms('checkLiveness', await api.get('/healthz'));
    conforms('checkReadiness', await api.get('/readyz'));
    conforms('scrapeMetrics', await api.get('/metrics'));
  }, 60_000);

  it('asked every operation of the document', () => {
    expect(HTTP_OPERATIONS.map((candidate) => candidate.operationId).filter((operationId) => !checked.has(operationId))).toEqual([]);
  });
});
