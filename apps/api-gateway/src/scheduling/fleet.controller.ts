import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListNodeStates } from '@somnus/contracts';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';

/** The fleet at a glance: every node's lifecycle and power state and its last transition. */
@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/v1/fleet')
export class FleetController {
  constructor(private readonly bus: BusClient) {}

  @Get('states')
  @ApiOperation({ summary: "Every node's lifecycle state, power state, since when and its last transition with the reason (read)." })
  states(@Req() request: SomnusRequest) {
    return this.bus.query(ListNodeStates, {}, request);
  }
}
