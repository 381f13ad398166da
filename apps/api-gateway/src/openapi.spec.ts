import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ApiRole, HTTP_OPERATIONS } from '@somnus/contracts';
import { GATEWAY_CONTROLLERS } from './api-gateway.module';
import { DashboardController } from './dashboard/dashboard.controller';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './auth/roles.decorator';

interface Route {
  key: string;
  defaultStatus: number;
  role: ApiRole | 'public';
}

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

const paths = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value ?? '')]);

/** `api/v1/nodes/:idOrName` + `wake` -> `/api/v1/nodes/{idOrName}/wake`, as OpenAPI writes it. */
function template(...parts: string[]): string {
  const joined = parts.flatMap((part) => part.split('/')).filter(Boolean);
  return `/${joined.map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment)).join('/')}`;
}

/** Every route Nest serves, read from the controllers' decorators. */
function nestRoutes(controllers: readonly (new (...args: never[]) => object)[]): Route[] {
  const routes: Route[] = [];
  for (const controller of controllers) {
    for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const verb = METHODS[method];
        if (!verb) throw new Error(`${controller.name}.${name} uses an HTTP method the contracts cannot describe`);
        const isPublic = Boolean(Reflect.getMetadata(PUBLIC_ROUTE, handler) ?? Reflect.getMetadata(PUBLIC_ROUTE, controller));
        const required = (Reflect.getMetadata(REQUIRED_ROLE, handler) ?? Reflect.getMetadata(REQUIRED_ROLE, controller)) as ApiRole | undefined;
        const role = isPublic ? 'public' : (required ?? (verb === 'get' ? 'read' : 'operate'));
        const defaultStatus = (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (verb === 'post' ? 201 : 200);
        for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler))) routes.push({ key: `${verb.toUpperCase()} ${template(base, path)}`, defaultStatus, role });
      }
    }
  }
  return routes;
}

describe('the HTTP contracts and the gateway controllers', () => {
  // The dashboard's HTML page is not part of the JSON API.
  const routes = nestRoutes(GATEWAY_CONTROLLERS.filter((controller) => controller !== DashboardController));
  const operations = new Map(HTTP_OPERATIONS.map((operation) => [`${operation.method.toUpperCase()} ${operation.path}`, operation]));

  it('describe the same routes: each served route has an operation and each operation a route', () => {
    expect(routes.map((route) => route.key).sort()).toEqual([...operations.keys()].sort());
  });

  it("name each route's own status and the role its guard asks for", () => {
    for (const route of routes) {
      const operation = operations.get(route.key);
      expect({ route: route.key, role: operation?.role, documents: Object.keys(operation?.responses ?? {}).includes(String(route.defaultStatus)) }).toEqual({
        route: route.key,
        role: route.role,
        documents: true,
      });
    }
  });

  it('leave the dashboard page out', () => {
    expect([...operations.keys()].filter((key) => key.endsWith(' /') || key.endsWith('/dashboard'))).toEqual([]);
  });
});
