import 'reflect-metadata';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';
import { lifecycleService } from './index';

runServiceProcess(lifecycleService).catch(exitOnStartFailure('lifecycle'));
