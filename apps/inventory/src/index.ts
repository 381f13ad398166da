export * from './inventory.module';
export { readInventoryFile, InventoryFileError } from './inventory-file/inventory-file.loader';
