import { HTTP_OPERATIONS } from './operations';
import { openApiDocument } from './openapi';

type Json = Record<string, unknown>;
const document = openApiDocument();

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner);
      else refsIn(inner, found);
    }
  }
  return found;
}

function resolve(pointer: string): unknown {
  if (!pointer.startsWith('#/')) return undefined;
  return pointer
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Json)[part] : undefined), document);
}

describe('the OpenAPI document written from the HTTP contracts', () => {
  it('is OpenAPI 3.1 with a server and a bearer security scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:8080' })]);
    expect((document.components as Json).securitySchemes).toEqual({ bearerToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
  });

  it('has only $refs that resolve inside it', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(100);
    expect(refs.filter((ref) => resolve(ref) === undefined)).toEqual([]);
  });

  it('names every operation once, and declares every path parameter of its template', () => {
    expect(new Set(HTTP_OPERATIONS.map((operation) => operation.operationId)).size).toBe(HTTP_OPERATIONS.length);
    for (const operation of HTTP_OPERATIONS) {
      const inTemplate = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect({ operation: operation.operationId, params: Object.keys(operation.pathParams ?? {}) }).toEqual({ operation: operation.operationId, params: inTemplate });
    }
  });

  it('declares each query field as a query parameter', () => {
    const parameters = (document.components as { parameters: Record<string, Json> }).parameters;
    for (const operation of HTTP_OPERATIONS.filter((candidate) => candidate.query)) {
      for (const field of Object.keys(operation.query!.shape)) {
        expect(parameters[`${operation.operationId}.${field}`]).toEqual(expect.objectContaining({ name: field, in: 'query', schema: expect.any(Object) }));
      }
    }
  });

  it('answers every error of every operation with the one error shape', () => {
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;
    const responses = (document.components as { responses: Record<string, { content: Json }> }).responses;
    for (const operation of HTTP_OPERATIONS) {
      const documented = paths[operation.path]?.[operation.method]?.responses ?? {};
      for (const status of operation.errors) {
        const ref = String(documented[String(status)]?.$ref);
        expect(responses[ref.split('/').pop() ?? '']?.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } });
      }
      if (operation.role !== 'public') expect(Object.keys(documented)).toEqual(expect.arrayContaining(['401', '500']));
    }
  });

  it('gives every request body and every answer a component schema', () => {
    const paths = document.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, Json> }>>;
    for (const operation of HTTP_OPERATIONS) {
      const documented = paths[operation.path]?.[operation.method];
      const schemas = [
        ...Object.values(documented?.requestBody?.content ?? {}).map((media) => media.schema),
        ...Object.keys(operation.responses).flatMap((status) => Object.values((documented?.responses[status]?.content ?? {}) as Record<string, { schema: Json }>).map((media) => media.schema)),
      ];
      expect(schemas.length).toBe(Object.keys(operation.responses).length + (operation.body ? 1 : 0));
      for (const schema of schemas) expect(String(schema.$ref)).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
    }
  });

  it('carries no JSON Schema dialect or id inside a component (OpenAPI 3.1 sets the dialect)', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain('"$schema"');
    expect(text).not.toContain('"$id"');
  });
});
