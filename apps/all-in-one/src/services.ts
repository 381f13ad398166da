import type { ServiceName } from '@somnus/contracts';
import type { ServiceDescriptor } from '@somnus/runtime';
import { apiGatewayService } from '@somnus/api-gateway';
import { auditService } from '@somnus/audit';
import { inventoryService } from '@somnus/inventory';
import { lifecycleService } from '@somnus/lifecycle';
import { powerService } from '@somnus/power';
import { schedulerService } from '@somnus/scheduler';

/** Every service Somnus runs, by name: the all-in-one hosts them all, the stack one per process. */
export const SERVICES: Partial<Record<ServiceName, ServiceDescriptor>> = {
  inventory: inventoryService,
  lifecycle: lifecycleService,
  scheduler: schedulerService,
  power: powerService,
  audit: auditService,
  'api-gateway': apiGatewayService,
};

export function descriptorOf(name: string): ServiceDescriptor {
  const descriptor = SERVICES[name as ServiceName];
  if (!descriptor) throw new Error(`unknown service "${name}"; one of: ${Object.keys(SERVICES).join(', ')}`);
  return descriptor;
}
