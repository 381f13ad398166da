import { z } from 'zod';
import {
  auditVerificationSchema,
  calendarSchema,
  calendarSpecSchema,
  energyTotalsSchema,
  ListCalendars,
  ListDecisions,
  ListNodes,
  ListNodeStates,
  QueryAudit,
  type ApiRole,
} from '../catalogue';
import { nodePatchSchema, nodeSchema, nodeSpecSchema } from '../node.schema';
import { auditQuerySchema } from './audit.schema';
import { commandAcceptedSchema } from './common.schema';
import { livenessSchema, prometheusTextSchema, readinessSchema } from './edge.schema';
import {
  listNodesQuerySchema,
  maintenanceBodySchema,
  maintenanceResultSchema,
  nodeActionAcceptedSchema,
  nodeActionBodySchema,
  nodeIdOrNameParamSchema,
  nodeRemovedSchema,
  nodeWithStatusSchema,
} from './nodes.schema';
import { calendarIdParamSchema, calendarRemovedSchema, energyQuerySchema, listDecisionsQuerySchema } from './scheduling.schema';
import { issuedTokenSchema, newTokenBodySchema, tokenIdParamSchema, tokenListSchema, tokenRevokedSchema } from './tokens.schema';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;
export type HttpStatusCode = 200 | 201 | 202 | ErrorStatus;
export type HttpTag = 'nodes' | 'scheduling' | 'energy' | 'audit' | 'tokens' | 'health';

export interface HttpResponse {
  description: string;
  schema: z.ZodType;
  /** application/json unless said otherwise. */
  contentType?: string;
}

/** One route of the HTTP API as a contract: what it takes, what it answers, and who may call it. */
export interface HttpOperation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path template: `{name}` for a path parameter. */
  path: string;
  tag: HttpTag;
  summary: string;
  description?: string;
  /** The least role the token needs; `public` needs no token. */
  role: ApiRole | 'public';
  pathParams?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  /** `If-Match: <version>` guards against lost updates. */
  ifMatch?: boolean;
  body?: { schema: z.ZodType; required: boolean; description: string };
  /** What the route answers on success, and any status whose body is not the error shape (readyz's 503). */
  responses: Partial<Record<HttpStatusCode, HttpResponse>>;
  /** Statuses answered with the one error shape. */
  errors: readonly ErrorStatus[];
}

const nodePath = { idOrName: nodeIdOrNameParamSchema };
const calendarPath = { id: calendarIdParamSchema };
const tokenPath = { id: tokenIdParamSchema };

const accepted: HttpResponse = { description: 'The owner did not answer within SOMNUS_COMMAND_TIMEOUT_MS; the command is stored and will run.', schema: commandAcceptedSchema };

/**
 * Which errors an operation documents: 401 and 429 for every token-checked route, 403 where a read token is
 * not enough, 400 wherever input is parsed, 413 and 415 wherever a body is read, 503 where the gateway asks
 * another service over the bus, and 500 everywhere.
 */
function errorsOf(role: ApiRole | 'public', uses: { input?: boolean; body?: boolean; lookup?: boolean; conflict?: boolean; bus?: boolean }): ErrorStatus[] {
  const statuses: ErrorStatus[] = [];
  if (uses.input || uses.body) statuses.push(400);
  if (role !== 'public') statuses.push(401);
  if (role === 'operate' || role === 'admin') statuses.push(403);
  if (uses.lookup) statuses.push(404);
  if (uses.conflict) statuses.push(409);
  if (uses.body) statuses.push(413, 415);
  if (role !== 'public') statuses.push(429);
  statuses.push(500);
  if (uses.bus) statuses.push(503);
  return statuses;
}

/** Every operation of the HTTP API; the OpenAPI document is generated from this table. */
export const HTTP_OPERATIONS: readonly HttpOperation[] = [
  /* --------------------------------------------------------------------------------------------- nodes */
  {
    operationId: 'listNodes',
    method: 'get',
    path: '/api/v1/nodes',
    tag: 'nodes',
    summary: 'List nodes',
    description: 'The node catalogue, a page at a time, filtered by tier or label (key or key=value).',
    role: 'read',
    query: listNodesQuerySchema,
    responses: { 200: { description: 'A page of nodes and the total that match.', schema: ListNodes.reply } },
    errors: errorsOf('read', { input: true, bus: true }),
  },
  {
    operationId: 'createNode',
    method: 'post',
    path: '/api/v1/nodes',
    tag: 'nodes',
    summary: 'Add a node',
    description: 'Adds a node to the catalogue. 409 when the name is taken.',
    role: 'operate',
    body: { schema: nodeSpecSchema, required: true, description: 'The catalogue entry; Somnus assigns id, version and times.' },
    responses: { 201: { description: 'The node as catalogued.', schema: nodeSchema }, 202: accepted },
    errors: errorsOf('operate', { body: true, conflict: true, bus: true }),
  },
  {
    operationId: 'getNode',
    method: 'get',
    path: '/api/v1/nodes/{idOrName}',
    tag: 'nodes',
    summary: 'One node',
    description: 'One node by id or name, with `status`: lifecycle state, power state, since when, the last transition and why, and recent history (null while lifecycle does not know it).',
    role: 'read',
    pathParams: nodePath,
    responses: { 200: { description: 'The node and its status.', schema: nodeWithStatusSchema } },
    errors: errorsOf('read', { lookup: true, bus: true }),
  },
  {
    operationId: 'updateNode',
    method: 'patch',
    path: '/api/v1/nodes/{idOrName}',
    tag: 'nodes',
    summary: 'Change fields of a node',
    description: 'Fields left out keep their value. Send If-Match: <version> to refuse lost updates (409).',
    role: 'operate',
    pathParams: nodePath,
    ifMatch: true,
    body: { schema: nodePatchSchema, required: true, description: 'Any field of the node spec except its name.' },
    responses: { 200: { description: 'The node after the change.', schema: nodeSchema }, 202: accepted },
    errors: errorsOf('operate', { body: true, lookup: true, conflict: true, bus: true }),
  },
  {
    operationId: 'deleteNode',
    method: 'delete',
    path: '/api/v1/nodes/{idOrName}',
    tag: 'nodes',
    summary: 'Remove a node',
    description: 'Removes a node from the catalogue.',
    role: 'operate',
    pathParams: nodePath,
    responses: { 200: { description: 'The node is gone.', schema: nodeRemovedSchema }, 202: accepted },
    errors: errorsOf('operate', { lookup: true, conflict: true, bus: true }),
  },
  {
    operationId: 'wakeNode',
    method: 'post',
    path: '/api/v1/nodes/{idOrName}/wake',
    tag: 'nodes',
    summary: 'Wake a node',
    description: 'Asks the power service to wake the node; follow it in GET /api/v1/nodes/{idOrName}. 409 with the reason when refused.',
    role: 'operate',
    pathParams: nodePath,
    body: { schema: nodeActionBodySchema, required: false, description: 'Optional: why.' },
    responses: { 202: { description: 'Power accepted the wake (or the command is stored and will run).', schema: nodeActionAcceptedSchema } },
    errors: errorsOf('operate', { body: true, lookup: true, conflict: true, bus: true }),
  },
  {
    operationId: 'sleepNode',
    method: 'post',
    path: '/api/v1/nodes/{idOrName}/sleep',
    tag: 'nodes',
    summary: 'Drain a node and put it to sleep',
    description: 'Lifecycle runs the safety checks, drains the node and asks power to suspend it. 409 with the check that refused it (critical tier, headroom, disruption budget, ...).',
    role: 'operate',
    pathParams: nodePath,
    body: { schema: nodeActionBodySchema, required: false, description: 'Optional: why.' },
    responses: { 202: { description: 'Lifecycle accepted the drain (or the command is stored and will run).', schema: nodeActionAcceptedSchema } },
    errors: errorsOf('operate', { body: true, lookup: true, conflict: true, bus: true }),
  },
  {
    operationId: 'setNodeMaintenance',
    method: 'post',
    path: '/api/v1/nodes/{idOrName}/maintenance',
    tag: 'nodes',
    summary: 'Hold a node in maintenance or release it',
    description: 'Automation never touches a node in maintenance.',
    role: 'operate',
    pathParams: nodePath,
    body: { schema: maintenanceBodySchema, required: true, description: 'Hold or release, and why.' },
    responses: { 200: { description: "The node's new state, or the stored command when lifecycle did not answer in time.", schema: maintenanceResultSchema } },
    errors: errorsOf('operate', { body: true, lookup: true, conflict: true, bus: true }),
  },
  {
    operationId: 'listNodeStates',
    method: 'get',
    path: '/api/v1/fleet/states',
    tag: 'nodes',
    summary: 'The fleet at a glance',
    description: "Every node's lifecycle state, power state, since when and its last transition with the reason.",
    role: 'read',
    responses: { 200: { description: 'One entry per node lifecycle knows.', schema: ListNodeStates.reply } },
    errors: errorsOf('read', { bus: true }),
  },
  /* --------------------------------------------------------------------------------------------- scheduling */
  {
    operationId: 'listDecisions',
    method: 'get',
    path: '/api/v1/decisions',
    tag: 'scheduling',
    summary: 'Decisions',
    description: 'Decisions to wake, sleep or hold, newest first, each with its reason.',
    role: 'read',
    query: listDecisionsQuerySchema,
    responses: { 200: { description: 'A page of decisions and the total that match.', schema: ListDecisions.reply } },
    errors: errorsOf('read', { input: true, bus: true }),
  },
  {
    operationId: 'listCalendars',
    method: 'get',
    path: '/api/v1/calendars',
    tag: 'scheduling',
    summary: 'Calendar windows',
    role: 'read',
    responses: { 200: { description: 'Every calendar window.', schema: ListCalendars.reply } },
    errors: errorsOf('read', { bus: true }),
  },
  {
    operationId: 'createCalendar',
    method: 'post',
    path: '/api/v1/calendars',
    tag: 'scheduling',
    summary: 'Add a calendar window',
    description: 'E.g. all awake 08:00-18:00 Monday to Friday in Europe/Paris.',
    role: 'operate',
    body: { schema: calendarSpecSchema, required: true, description: 'The window.' },
    responses: { 201: { description: 'The window as stored.', schema: calendarSchema }, 202: accepted },
    errors: errorsOf('operate', { body: true, conflict: true, bus: true }),
  },
  {
    operationId: 'getCalendar',
    method: 'get',
    path: '/api/v1/calendars/{id}',
    tag: 'scheduling',
    summary: 'One calendar window',
    role: 'read',
    pathParams: calendarPath,
    responses: { 200: { description: 'The window.', schema: calendarSchema } },
    errors: errorsOf('read', { input: true, lookup: true, bus: true }),
  },
  {
    operationId: 'replaceCalendar',
    method: 'put',
    path: '/api/v1/calendars/{id}',
    tag: 'scheduling',
    summary: 'Replace a calendar window',
    role: 'operate',
    pathParams: calendarPath,
    body: { schema: calendarSpecSchema, required: true, description: 'The whole window.' },
    responses: { 200: { description: 'The window after the change.', schema: calendarSchema }, 202: accepted },
    errors: errorsOf('operate', { body: true, lookup: true, conflict: true, bus: true }),
  },
  {
    operationId: 'deleteCalendar',
    method: 'delete',
    path: '/api/v1/calendars/{id}',
    tag: 'scheduling',
    summary: 'Remove a calendar window',
    role: 'operate',
    pathParams: calendarPath,
    responses: { 200: { description: 'The window is gone.', schema: calendarRemovedSchema }, 202: accepted },
    errors: errorsOf('operate', { input: true, lookup: true, conflict: true, bus: true }),
  },
  /* --------------------------------------------------------------------------------------------- energy */
  {
    operationId: 'getEnergyTotals',
    method: 'get',
    path: '/api/v1/energy',
    tag: 'energy',
    summary: 'Energy used and saved',
    description: 'Energy used against always-on, in total and per node, optionally over a time range or for one node.',
    role: 'read',
    query: energyQuerySchema,
    responses: { 200: { description: 'Totals and one entry per node.', schema: energyTotalsSchema } },
    errors: errorsOf('read', { input: true, bus: true }),
  },
  /* --------------------------------------------------------------------------------------------- audit */
  {
    operationId: 'listAuditRecords',
    method: 'get',
    path: '/api/v1/audit',
    tag: 'audit',
    summary: 'Audit records',
    description: 'Every event and command with its actor and correlation id, newest first.',
    role: 'read',
    query: auditQuerySchema,
    responses: { 200: { description: 'A page of records and the total that match.', schema: QueryAudit.reply } },
    errors: errorsOf('read', { input: true, bus: true }),
  },
  {
    operationId: 'verifyAuditChain',
    method: 'get',
    path: '/api/v1/audit/verify',
    tag: 'audit',
    summary: 'Verify the hash chain',
    description: 'Recomputes the hash chain: ok, or the first altered, inserted or deleted record.',
    role: 'read',
    responses: { 200: { description: 'The verdict.', schema: auditVerificationSchema } },
    errors: errorsOf('read', { bus: true }),
  },
  /* --------------------------------------------------------------------------------------------- tokens */
  {
    operationId: 'createToken',
    method: 'post',
    path: '/api/v1/tokens',
    tag: 'tokens',
    summary: 'Create an API token',
    description: 'Role read, operate or admin. The response is the only time its secret is shown. 409 when the name is taken.',
    role: 'admin',
    body: { schema: newTokenBodySchema, required: true, description: 'Its name and role.' },
    responses: { 201: { description: 'The token, with its secret.', schema: issuedTokenSchema } },
    errors: errorsOf('admin', { body: true, conflict: true }),
  },
  {
    operationId: 'listTokens',
    method: 'get',
    path: '/api/v1/tokens',
    tag: 'tokens',
    summary: 'List API tokens',
    description: 'Active and revoked tokens, oldest first; never their secrets.',
    role: 'admin',
    responses: { 200: { description: 'Every token.', schema: tokenListSchema } },
    errors: errorsOf('admin', {}),
  },
  {
    operationId: 'revokeToken',
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    tag: 'tokens',
    summary: 'Revoke an API token',
    role: 'admin',
    pathParams: tokenPath,
    responses: { 200: { description: 'The token is revoked.', schema: tokenRevokedSchema } },
    errors: errorsOf('admin', { input: true, lookup: true }),
  },
  /* --------------------------------------------------------------------------------------------- health */
  {
    operationId: 'checkLiveness',
    method: 'get',
    path: '/healthz',
    tag: 'health',
    summary: 'Liveness',
    description: 'The process answers.',
    role: 'public',
    responses: { 200: { description: 'Alive.', schema: livenessSchema } },
    errors: errorsOf('public', {}),
  },
  {
    operationId: 'checkReadiness',
    method: 'get',
    path: '/readyz',
    tag: 'health',
    summary: 'Readiness',
    description: "Each dependency's state (bus, database, cache). 503 with the same body when one is not ready.",
    role: 'public',
    responses: { 200: { description: 'Every dependency is ready.', schema: readinessSchema }, 503: { description: 'A dependency is not ready; each one says why.', schema: readinessSchema } },
    errors: errorsOf('public', {}),
  },
  {
    operationId: 'scrapeMetrics',
    method: 'get',
    path: '/metrics',
    tag: 'health',
    summary: 'Prometheus metrics',
    description: 'The text exposition format.',
    role: 'public',
    responses: { 200: { description: 'The metrics.', schema: prometheusTextSchema, contentType: 'text/plain' } },
    errors: errorsOf('public', {}),
  },
];
