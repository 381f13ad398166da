import { z } from 'zod';
import {
  auditRecordSchema,
  auditVerificationSchema,
  calendarSchema,
  calendarSpecSchema,
  energyTotalsSchema,
  ListCalendars,
  ListDecisions,
  ListNodes,
  ListNodeStates,
  nodeStateSchema,
  QueryAudit,
} from '../catalogue';
import { nodePatchSchema, nodeSchema, nodeSpecSchema } from '../node.schema';
import { commandAcceptedSchema } from './common.schema';
import { livenessSchema, prometheusTextSchema, readinessSchema } from './edge.schema';
import { apiErrorSchema } from './error.schema';
import {
  ifMatchHeaderSchema,
  maintenanceBodySchema,
  maintenanceResultSchema,
  nodeActionAcceptedSchema,
  nodeActionBodySchema,
  nodeIdOrNameParamSchema,
  nodeRemovedSchema,
  nodeWithStatusSchema,
} from './nodes.schema';
import { ErrorStatus, HTTP_OPERATIONS, HttpOperation, HttpResponse, HttpTag } from './operations';
import { calendarIdParamSchema, calendarRemovedSchema } from './scheduling.schema';
import { issuedTokenSchema, newTokenBodySchema, tokenIdParamSchema, tokenListSchema, tokenRevokedSchema, tokenSummarySchema } from './tokens.schema';

type Json = Record<string, unknown>;

/** What a client sends, converted as zod parses it (defaults make fields optional). */
const REQUEST_SCHEMAS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['NodeSpec', nodeSpecSchema],
  ['NodePatch', nodePatchSchema],
  ['NodeActionBody', nodeActionBodySchema],
  ['MaintenanceBody', maintenanceBodySchema],
  ['CalendarSpec', calendarSpecSchema],
  ['NewTokenBody', newTokenBodySchema],
  ['NodeIdOrName', nodeIdOrNameParamSchema],
  ['CalendarId', calendarIdParamSchema],
  ['TokenId', tokenIdParamSchema],
  ['NodeVersion', ifMatchHeaderSchema],
];

/** What the API answers, converted as zod outputs it (defaults filled in, so those fields are always there). */
const RESPONSE_SCHEMAS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['ApiError', apiErrorSchema],
  ['CommandAccepted', commandAcceptedSchema],
  ['Node', nodeSchema],
  ['NodeList', ListNodes.reply],
  ['NodeWithStatus', nodeWithStatusSchema],
  ['NodeRemoved', nodeRemovedSchema],
  ['NodeActionAccepted', nodeActionAcceptedSchema],
  ['NodeState', nodeStateSchema],
  ['NodeStateList', ListNodeStates.reply],
  ['MaintenanceResult', maintenanceResultSchema],
  ['DecisionList', ListDecisions.reply],
  ['Calendar', calendarSchema],
  ['CalendarList', ListCalendars.reply],
  ['CalendarRemoved', calendarRemovedSchema],
  ['EnergyTotals', energyTotalsSchema],
  ['AuditRecord', auditRecordSchema],
  ['AuditRecordList', QueryAudit.reply],
  ['AuditVerification', auditVerificationSchema],
  ['IssuedToken', issuedTokenSchema],
  ['TokenSummary', tokenSummarySchema],
  ['TokenList', tokenListSchema],
  ['TokenRevoked', tokenRevokedSchema],
  ['Liveness', livenessSchema],
  ['Readiness', readinessSchema],
  ['PrometheusMetrics', prometheusTextSchema],
];

const ERROR_RESPONSES: Record<ErrorStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'The body, query, path or a header is not valid (or not JSON); `details` names each field and what is wrong.' },
  401: { name: 'Unauthenticated', description: 'No bearer token, or one that is unknown or revoked.' },
  403: { name: 'Forbidden', description: "The token's role is below the one this operation needs." },
  404: { name: 'NotFound', description: 'No such node, calendar window or token.' },
  409: { name: 'Conflict', description: 'A conflict (name taken, version changed since If-Match) or a refusal by the owner, with its reason.' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than the gateway accepts.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not JSON in UTF-8.' },
  429: { name: 'TooManyRequests', description: 'Too many requests from this token or address; wait for Retry-After seconds.' },
  500: { name: 'InternalError', description: 'Something went wrong inside; quote the correlation id when reporting it.' },
  503: { name: 'Unavailable', description: 'The service that owns the answer did not answer in time; try again shortly.' },
};

const TAGS: Record<HttpTag, string> = {
  nodes: 'The node catalogue, each node’s state, and what an operator asks of a node.',
  scheduling: 'The scheduler’s decisions and the calendar windows that hold nodes awake.',
  energy: 'Energy used against always-on, as the power service meters it.',
  audit: 'The append-only, hash-chained record of every event and command.',
  tokens: 'API tokens and their roles (admin only).',
  health: 'Liveness, readiness and Prometheus metrics; no token needed.',
};

const SCHEMA_REF = '#/components/schemas/';
const CORRELATION_HEADER = 'X-Correlation-Id';

/** Where the README's quick start serves the API (`npm start`). */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

function isTransformPipe(schema: z.core.$ZodTypes): schema is z.core.$ZodPipe {
  return schema._zod.def.type === 'pipe' && (schema as z.core.$ZodPipe)._zod.def.out._zod.def.type === 'transform';
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of every named schema, with `$ref`s between them. */
function componentSchemas(entries: ReadonlyArray<readonly [string, z.ZodType]>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of entries) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `${SCHEMA_REF}${id}`,
    unrepresentable: 'any',
    // A normalising transform (a MAC written lower-case with ":") answers with the same kind of value it
    // accepts, so the output is described by the input's schema rather than by nothing.
    override: (context) => {
      if (io !== 'output' || !isTransformPipe(context.zodSchema)) return;
      const input = z.toJSONSchema(context.zodSchema._zod.def.in, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
      delete input.$schema;
      for (const key of Object.keys(context.jsonSchema)) delete (context.jsonSchema as Json)[key];
      Object.assign(context.jsonSchema, input);
    },
  });
  const result: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
    result[id] = rest;
  }
  return result;
}

function namer(entries: ReadonlyArray<readonly [string, z.ZodType]>) {
  const names = new Map(entries.map(([id, schema]) => [schema, id] as const));
  return (schema: z.ZodType, where: string): Json => {
    const name = names.get(schema);
    if (!name) throw new Error(`${where}: its schema has no component name; add it to REQUEST_SCHEMAS or RESPONSE_SCHEMAS in libs/contracts/src/http/openapi.ts`);
    return { $ref: `${SCHEMA_REF}${name}` };
  };
}

const clashes = REQUEST_SCHEMAS.filter(([name]) => RESPONSE_SCHEMAS.some(([other]) => other === name));
if (clashes.length > 0) throw new Error(`component names used for both a request and a response schema: ${clashes.map(([name]) => name).join(', ')}`);

const requestRef = namer(REQUEST_SCHEMAS);
const responseRef = namer(RESPONSE_SCHEMAS);

/** Query parameters, one per field of the operation's query schema, as components named `<operationId>.<field>`. */
function queryParameters(operation: HttpOperation): Record<string, Json> {
  if (!operation.query) return {};
  const json = z.toJSONSchema(operation.query, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  const parameters: Record<string, Json> = {};
  for (const [name, { description, ...schema }] of Object.entries(properties)) {
    parameters[`${operation.operationId}.${name}`] = { name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema };
  }
  return parameters;
}

function pathParameter(name: string, schema: z.ZodType, where: string): [string, Json] {
  const ref = requestRef(schema, where);
  const component = String(ref.$ref).slice(SCHEMA_REF.length);
  return [component, { name, in: 'path', required: true, description: schema.description, schema: ref }];
}

function content(response: HttpResponse, ref: Json): Json {
  return { [response.contentType ?? 'application/json']: { schema: ref } };
}

function withCorrelationHeader(response: Json): Json {
  return { ...response, headers: { [CORRELATION_HEADER]: { $ref: '#/components/headers/CorrelationId' } } };
}

export interface OpenApiOptions {
  /** The server clients are told to call; the README's local URL by default. */
  serverUrl?: string;
}

/**
 * The OpenAPI 3.1 document of the HTTP API, written from the contracts: every body, response, the error shape
 * and every parameter is a component, and every operation says who may call it and which errors it answers.
 */
export function openApiDocument(options: OpenApiOptions = {}): Json {
  const parameters: Record<string, Json> = {
    CorrelationId: {
      name: CORRELATION_HEADER,
      in: 'header',
      required: false,
      description: 'Follows the request into the audit trail; 1-128 of letters, digits and `._:-`. One is generated when absent or malformed, and returned in the response header.',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    },
    IfMatch: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The node version this change was made against (quotes allowed); 409 when the node has changed since.',
      schema: requestRef(ifMatchHeaderSchema, 'If-Match'),
    },
  };
  const paths: Record<string, Record<string, Json>> = {};
  const usedErrors = new Set<ErrorStatus>();

  for (const operation of HTTP_OPERATIONS) {
    const where = `${operation.method.toUpperCase()} ${operation.path}`;
    const refs: Json[] = [];
    for (const [name, schema] of Object.entries(operation.pathParams ?? {})) {
      const [component, parameter] = pathParameter(name, schema, where);
      parameters[component] = parameter;
      refs.push({ $ref: `#/components/parameters/${component}` });
    }
    for (const [component, parameter] of Object.entries(queryParameters(operation))) {
      parameters[component] = parameter;
      refs.push({ $ref: `#/components/parameters/${component}` });
    }
    if (operation.ifMatch) refs.push({ $ref: '#/components/parameters/IfMatch' });
    refs.push({ $ref: '#/components/parameters/CorrelationId' });

    const responses: Record<string, Json> = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      responses[status] = withCorrelationHeader({ description: response.description, content: content(response, responseRef(response.schema, `${where} ${status}`)) });
    }
    for (const status of operation.errors) {
      usedErrors.add(status);
      responses[String(status)] = { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` };
    }

    const role = operation.role === 'public' ? 'No token needed.' : `Needs a token with role ${operation.role} or higher.`;
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = {
      operationId: operation.operationId,
      tags: [operation.tag],
      summary: operation.summary,
      description: [operation.description, role].filter(Boolean).join(' '),
      ...(operation.role === 'public' ? { security: [] } : {}),
      'x-somnus-role': operation.role,
      parameters: refs,
      ...(operation.body
        ? {
            requestBody: {
              required: operation.body.required,
              description: operation.body.description,
              content: { 'application/json': { schema: requestRef(operation.body.schema, `${where} body`) } },
            },
          }
        : {}),
      responses,
    };
  }

  const responses: Record<string, Json> = {};
  for (const status of [...usedErrors].sort((a, b) => a - b)) {
    const { name, description } = ERROR_RESPONSES[status];
    const headers: Json = { [CORRELATION_HEADER]: { $ref: '#/components/headers/CorrelationId' } };
    if (status === 429) headers['Retry-After'] = { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } };
    responses[name] = { description, headers, content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}ApiError` } } } };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Somnus API',
      version: '1',
      summary: 'Keeps cluster machines asleep until work needs them.',
      description:
        'Every endpoint except /healthz, /readyz and /metrics needs "Authorization: Bearer <token>"; GET needs role read, changes need operate, tokens need admin. ' +
        'Errors share one shape: {"error":{"status","code","message","details","correlationId"}}. Send X-Correlation-Id to follow a request into the audit trail. ' +
        'A command the owning service does not finish within SOMNUS_COMMAND_TIMEOUT_MS answers 202 with the stored command id.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: options.serverUrl ?? DEFAULT_SERVER_URL, description: 'npm start on this machine (the all-in-one)' }],
    security: [{ bearerToken: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { ...componentSchemas(REQUEST_SCHEMAS, 'input'), ...componentSchemas(RESPONSE_SCHEMAS, 'output') },
      parameters,
      responses,
      headers: {
        CorrelationId: { description: "The request's correlation id (the one sent, or a new one).", schema: { type: 'string' } },
      },
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (somnus_…). The first admin token is written to SOMNUS_ADMIN_TOKEN_FILE on first start; create more with POST /api/v1/tokens.',
        },
      },
    },
  };
}
