import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Calendar, calendarSpecSchema, CreateCalendar, DeleteCalendar, ListCalendars, ListDecisions, listDecisionsQuerySchema, UpdateCalendar } from '@somnus/contracts';
import { notFound } from '../http/api-error';
import { BusClient, CommandResponse } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

function reply<T>(response: Response, outcome: CommandResponse<T>, doneStatus: number) {
  if (outcome.status === 'accepted') {
    response.status(202);
    return { commandId: outcome.commandId, status: 'accepted' };
  }
  response.status(doneStatus);
  return outcome.result;
}

/** The scheduler's decisions and calendar windows. */
@Controller('api/v1')
export class SchedulingController {
  constructor(private readonly bus: BusClient) {}

  @Get('decisions')
  decisions(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(ListDecisions, validate(listDecisionsQuerySchema, query, 'query'), request);
  }

  @Get('calendars')
  calendars(@Req() request: SomnusRequest) {
    return this.bus.query(ListCalendars, {}, request);
  }

  @Get('calendars/:id')
  async calendar(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: SomnusRequest) {
    const found = (await this.bus.query(ListCalendars, {}, request)).items.find((item) => item.id === id);
    if (!found) throw notFound(`no calendar with id ${id}`);
    return found;
  }

  @Post('calendars')
  async create(@Body() body: unknown, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    return reply(response, await this.bus.command<typeof CreateCalendar, Calendar>(CreateCalendar, validate(calendarSpecSchema, body, 'calendar'), request), 201);
  }

  @Put('calendars/:id')
  async replace(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const spec = validate(calendarSpecSchema, body, 'calendar');
    return reply(response, await this.bus.command<typeof UpdateCalendar, Calendar>(UpdateCalendar, { calendarId: id, spec }, request, id), 200);
  }

  @Delete('calendars/:id')
  @HttpCode(200)
  async remove(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    return reply(response, await this.bus.command<typeof DeleteCalendar, { calendarId: string }>(DeleteCalendar, { calendarId: id }, request, id), 200);
  }
}
