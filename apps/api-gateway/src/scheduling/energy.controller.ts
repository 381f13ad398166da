import { Controller, Get, Query, Req } from '@nestjs/common';
import { energyQuerySchema, GetEnergyTotals } from '@somnus/contracts';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

/** Energy used against always-on, in total and per node, as the power service meters it. */
@Controller('api/v1/energy')
export class EnergyController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  totals(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(GetEnergyTotals, validate(energyQuerySchema, query, 'query'), request);
  }
}
