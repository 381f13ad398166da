import 'reflect-metadata';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { DASHBOARD_CONTENT_SECURITY_POLICY, DASHBOARD_HTML, DashboardController } from './dashboard.controller';

@Module({ controllers: [DashboardController] })
class DashboardTestModule {}

describe('dashboard over HTTP (Nest and Express)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(DashboardTestModule, { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(['/', '/dashboard'])('serves the page at %s with a strict content security policy', async (path) => {
    const response = await request(app.getHttpServer()).get(path).expect(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(DASHBOARD_CONTENT_SECURITY_POLICY);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.text).toBe(DASHBOARD_HTML);
  });
});
