import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Calendar, calendarSpecSchema, CreateCalendar, DeleteCalendar, ListCalendars, ListDecisions, UpdateCalendar } from '@somnus/contracts';
import { notFound } from '../http/api-error';
import { BusClient, CommandResponse } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

const decisionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  nodeId: z.string().uuid('nodeId must be a node id (uuid)').optional(),
  action: z.enum(['wake', 'sleep', 'hold']).optional(),
});

function reply<T>(response: Response, outcome: CommandResponse<T>, doneStatus: number) {
  if (outcome.status === 'accepted') {
    response.status(202);
    return { commandId: outcome.commandId, status: 'accepted' };
  }
  response.status(doneStatus);
  return outcome.result;
}

/** The scheduler's decisions and calendar windows. */
@ApiTags('scheduling')
@ApiBearerAuth()
@Controller('api/v1')
export class SchedulingController {
  constructor(private readonly bus: BusClient) {}

  @Get('decisions')
  @ApiOperation({ summary: 'Decisions to wake, sleep or hold, newest first, each with its reason (read).' })
  decisions(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(ListDecisions, validate(decisionsQuery, query, 'query'), request);
  }

  @Get('calendars')
  @ApiOperation({ summary: 'Calendar windows (read).' })
  calendars(@Req() request: SomnusRequest) {
    return this.bus.query(ListCalendars, {}, request);
  }

  @Get('calendars/:id')
  @ApiOperation({ summary: 'One calendar window (read).' })
  async calendar(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: SomnusRequest) {
    const found = (await this.bus.query(ListCalendars, {}, request)).items.find((item) => item.id === id);
    if (!found) throw notFound(`no calendar with id ${id}`);
    return found;
  }

  @Post('calendars')
  @ApiOperation({ summary: 'Add a window, e.g. all awake 08:00-18:00 Monday to Friday in Europe/Paris (operate).' })
  @ApiBody({ schema: z.toJSONSchema(calendarSpecSchema, { io: 'input', unrepresentable: 'any' }) as object })
  async create(@Body() body: unknown, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    return reply(response, await this.bus.command<typeof CreateCalendar, Calendar>(CreateCalendar, validate(calendarSpecSchema, body, 'calendar'), request), 201);
  }

  @Put('calendars/:id')
  @ApiOperation({ summary: 'Replace a window (operate).' })
  async replace(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const spec = validate(calendarSpecSchema, body, 'calendar');
    return reply(response, await this.bus.command<typeof UpdateCalendar, Calendar>(UpdateCalendar, { calendarId: id, spec }, request, id), 200);
  }

  @Delete('calendars/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a window (operate).' })
  async remove(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    return reply(response, await this.bus.command<typeof DeleteCalendar, { calendarId: string }>(DeleteCalendar, { calendarId: id }, request, id), 200);
  }
}
