import type { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { openApiDocument } from '@somnus/contracts';

export const OPENAPI_PAGE_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/docs-json';

/**
 * Serves the OpenAPI document at /api/docs (page) and /api/docs-json (document). The document is written from
 * the HTTP contracts in libs/contracts/src/http, not from decorators, so it is the same one `npm run catalogue`
 * writes to docs/openapi.json; the route table test keeps the controllers and the contracts in step.
 */
export function serveOpenApi(app: INestApplication): void {
  // Swagger's types describe OpenAPI 3.0; the document is 3.1, which its page (swagger-ui 5) renders.
  const document = openApiDocument() as unknown as OpenAPIObject;
  SwaggerModule.setup(OPENAPI_PAGE_PATH, app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH });
}
