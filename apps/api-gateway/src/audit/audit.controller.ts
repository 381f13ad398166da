import { Controller, Get, Query, Req } from '@nestjs/common';
import { auditQuerySchema, QueryAudit, VerifyAudit } from '@somnus/contracts';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

/** The audit trail: every event and command with its actor and correlation id. */
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  async list(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(QueryAudit, validate(auditQuerySchema, query, 'query'), request);
  }

  @Get('verify')
  async verify(@Req() request: SomnusRequest) {
    return this.bus.query(VerifyAudit, {}, request);
  }
}
