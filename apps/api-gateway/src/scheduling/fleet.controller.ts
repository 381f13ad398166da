import { Controller, Get, Req } from '@nestjs/common';
import { ListNodeStates } from '@somnus/contracts';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';

/** The fleet at a glance: every node's lifecycle and power state and its last transition. */
@Controller('api/v1/fleet')
export class FleetController {
  constructor(private readonly bus: BusClient) {}

  @Get('states')
  states(@Req() request: SomnusRequest) {
    return this.bus.query(ListNodeStates, {}, request);
  }
}
