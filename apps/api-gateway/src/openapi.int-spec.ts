import 'reflect-metadata';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { openApiDocument } from '@somnus/contracts';
import { serveOpenApi } from './openapi';

@Module({})
class EmptyModule {}

describe('the OpenAPI document over HTTP', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(EmptyModule, { logger: false });
    serveOpenApi(app);
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });

  it('is served at /api/docs-json exactly as the contracts write it (and as docs/openapi.json holds it)', async () => {
    const response = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(response.body.openapi).toBe('3.1.0');
  });

  it('has its page at /api/docs', async () => {
    const response = await request(app.getHttpServer()).get('/api/docs').expect(200);
    expect(response.text).toContain('swagger-ui');
  });
});
