import 'reflect-metadata';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';
import { schedulerService } from './index';

runServiceProcess(schedulerService).catch(exitOnStartFailure('scheduler'));
