import 'reflect-metadata';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';
import { powerService } from './index';

runServiceProcess(powerService).catch(exitOnStartFailure('power'));
