import 'reflect-metadata';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';
import { auditService } from './index';

runServiceProcess(auditService).catch(exitOnStartFailure('audit'));
