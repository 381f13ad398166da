import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { GetEnergyTotals } from '@somnus/contracts';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

const energyQuery = z.object({
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time' }).optional(),
  nodeId: z.string().uuid('nodeId must be a node id (uuid)').optional(),
});

/** Energy used against always-on, in total and per node, as the power service meters it. */
@ApiTags('energy')
@ApiBearerAuth()
@Controller('api/v1/energy')
export class EnergyController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiOperation({ summary: 'Energy used and saved against always-on (read): total and per node, optionally for a time range or one node.' })
  totals(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(GetEnergyTotals, validate(energyQuery, query, 'query'), request);
  }
}
