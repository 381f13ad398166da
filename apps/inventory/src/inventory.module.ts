import { serviceModule, ServiceDescriptor } from '@somnus/runtime';
import { NodeCatalogueHandler } from './catalogue/node-catalogue.handler';
import { InventoryFileLoader } from './inventory-file/inventory-file.loader';
import { NodeEntity } from './persistence/node.entity';
import { inventoryMigrations } from './persistence/migrations';

/** Owns the node catalogue: identity, addresses, capacity, labels, tier, topology, power and driver settings. */
export class InventoryModule {}

export const inventoryService: ServiceDescriptor = {
  name: 'inventory',
  entities: [NodeEntity],
  migrations: inventoryMigrations,
  module: (infrastructure) => serviceModule(InventoryModule, infrastructure, { providers: [NodeCatalogueHandler, InventoryFileLoader] }),
};
