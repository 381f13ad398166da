import 'reflect-metadata';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';
import { apiGatewayService } from './index';

runServiceProcess(apiGatewayService).catch(exitOnStartFailure('api-gateway'));
