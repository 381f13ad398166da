import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { serviceModule, ServiceDescriptor } from '@somnus/runtime';
import { AdminTokenBootstrap } from './auth/admin-token.bootstrap';
import { ApiTokensService } from './auth/api-tokens.service';
import { TokenAuthGuard } from './auth/token-auth.guard';
import { TokensController } from './auth/tokens.controller';
import { NodeActionsController } from './actions/node-actions.controller';
import { AuditController } from './audit/audit.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { EnergyController } from './scheduling/energy.controller';
import { FleetController } from './scheduling/fleet.controller';
import { SchedulingController } from './scheduling/scheduling.controller';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { BusClient } from './http/bus-client';
import { EdgeController } from './http/edge.controller';
import { GatewayMetrics, HttpMetricsInterceptor } from './http/gateway.metrics';
import { RequestTracingInterceptor } from './http/request-tracing.interceptor';
import { NodesController } from './nodes/nodes.controller';
import { serveOpenApi } from './openapi';
import { ApiTokenEntity } from './persistence/api-token.entity';
import { gatewayMigrations } from './persistence/migrations';

/** The edge: REST API, tokens and roles, one error shape, OpenAPI, health and metrics. */
export class ApiGatewayModule {}

/** Every controller of the gateway; the route table test checks each route against the HTTP contracts. */
export const GATEWAY_CONTROLLERS = [DashboardController, EdgeController, NodesController, NodeActionsController, SchedulingController, EnergyController, FleetController, AuditController, TokensController];

export const apiGatewayService: ServiceDescriptor = {
  name: 'api-gateway',
  entities: [ApiTokenEntity],
  migrations: gatewayMigrations,
  module: (infrastructure) =>
    serviceModule(ApiGatewayModule, infrastructure, {
      controllers: GATEWAY_CONTROLLERS,
      providers: [
        ApiTokensService,
        AdminTokenBootstrap,
        BusClient,
        GatewayMetrics,
        { provide: APP_GUARD, useClass: TokenAuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
        { provide: APP_INTERCEPTOR, useClass: RequestTracingInterceptor },
      ],
      exports: [AdminTokenBootstrap],
    }),
  configure: serveOpenApi,
};
