import 'reflect-metadata';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';
import { inventoryService } from './index';

runServiceProcess(inventoryService).catch(exitOnStartFailure('inventory'));
