import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { QueryAudit, VerifyAudit } from '@somnus/contracts';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  nodeId: z.string().optional(),
  type: z.string().optional(),
  actor: z.string().optional(),
  correlationId: z.string().optional(),
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time, e.g. 2026-11-23T08:00:00Z' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time, e.g. 2026-11-23T18:00:00Z' }).optional(),
});

/** The audit trail: every event and command with its actor and correlation id. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiOperation({ summary: 'Audit records, newest first (read). Filters: nodeId, type, actor, correlationId, from, to; paging: limit, offset.' })
  async list(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(QueryAudit, validate(auditQuery, query, 'query'), request);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain (read): ok, or the first altered or deleted record.' })
  async verify(@Req() request: SomnusRequest) {
    return this.bus.query(VerifyAudit, {}, request);
  }
}
