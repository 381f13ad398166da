import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI document at /api/docs (page) and /api/docs-json (document). */
export function serveOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Somnus API')
    .setDescription(
      'Somnus keeps machines asleep until work needs them. Every endpoint except /healthz, /readyz and /metrics needs ' +
        '"Authorization: Bearer <token>"; GET needs role read, changes need operate, tokens need admin. Errors share one shape: ' +
        '{"error":{"status","code","message","details","correlationId"}}. Send X-Correlation-Id to follow a request into the audit trail.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'api/docs-json' });
}
