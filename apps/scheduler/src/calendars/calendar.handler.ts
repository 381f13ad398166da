import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Calendar, CommandOutcome, CreateCalendar, DeleteCalendar, Envelope, ListCalendars, Payload, ReplyOf, UpdateCalendar } from '@somnus/contracts';
import { AnswerQuery, Delivery, durableName, OnMessage } from '@somnus/bus';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { CLOCK, type Clock } from '@somnus/runtime';
import { DecisionLoop } from '../decisions/decision-loop';
import { CalendarRepository } from './calendar.repository';

/**
 * Calendar windows: created, replaced, deleted and listed. Payloads are validated by the contracts before
 * they arrive; refusals say what to do. Each change is one transaction with its inbox entry.
 */
@Injectable()
export class CalendarHandler {
  constructor(
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly loop: DecisionLoop,
  ) {}

  @OnMessage(CreateCalendar)
  async createCalendar({ envelope }: Delivery<Payload<typeof CreateCalendar>>): Promise<CommandOutcome<Calendar>> {
    return this.change(envelope, durableName('scheduler', CreateCalendar), envelope.data.name, async (repository) => {
      const spec = envelope.data;
      if (await repository.findByName(spec.name)) {
        return { ok: false, code: 'conflict', reason: `a calendar named "${spec.name}" already exists: choose another name or update it` };
      }
      return { ok: true, result: await repository.insert(randomUUID(), spec, new Date(this.clock.now())) };
    });
  }

  @OnMessage(UpdateCalendar)
  async updateCalendar({ envelope }: Delivery<Payload<typeof UpdateCalendar>>): Promise<CommandOutcome<Calendar>> {
    const { calendarId, spec } = envelope.data;
    return this.change(envelope, durableName('scheduler', UpdateCalendar), calendarId, async (repository) => {
      if (!(await repository.find(calendarId))) return { ok: false, code: 'not-found', reason: `no calendar with id ${calendarId}: list calendars to find its id` };
      const clash = await repository.findByName(spec.name);
      if (clash && clash.id !== calendarId) return { ok: false, code: 'conflict', reason: `another calendar is already named "${spec.name}"` };
      return { ok: true, result: await repository.replace(calendarId, spec, new Date(this.clock.now())) };
    });
  }

  @OnMessage(DeleteCalendar)
  async deleteCalendar({ envelope }: Delivery<Payload<typeof DeleteCalendar>>): Promise<CommandOutcome<{ calendarId: string }>> {
    const { calendarId } = envelope.data;
    const outcome = await this.store.transact(
      async (tx): Promise<CommandOutcome<{ calendarId: string }>> => {
        const repository = new CalendarRepository(tx.manager, this.store.schema);
        if (!(await repository.find(calendarId))) return { ok: false, code: 'not-found', reason: `no calendar with id ${calendarId}: list calendars to find its id` };
        await repository.remove(calendarId);
        return { ok: true, result: { calendarId } };
      },
      { consumer: durableName('scheduler', DeleteCalendar), messageId: envelope.id },
    );
    this.loop.calendarsChanged();
    return outcome.duplicate ? { ok: true, result: { calendarId } } : outcome.result;
  }

  @AnswerQuery(ListCalendars)
  async listCalendars(): Promise<ReplyOf<typeof ListCalendars>> {
    return { items: await new CalendarRepository(this.store.dataSource.manager, this.store.schema).list() };
  }

  private async change(
    envelope: Envelope,
    consumer: string,
    key: string,
    work: (repository: CalendarRepository) => Promise<CommandOutcome<Calendar>>,
  ): Promise<CommandOutcome<Calendar>> {
    const outcome = await this.store.transact((tx) => work(new CalendarRepository(tx.manager, this.store.schema)), { consumer, messageId: envelope.id });
    this.loop.calendarsChanged();
    if (!outcome.duplicate) return outcome.result;
    // Handled before (a redelivery): answer with the calendar as it is now.
    const repository = new CalendarRepository(this.store.dataSource.manager, this.store.schema);
    const calendar = (await repository.find(key)) ?? (await repository.findByName(key));
    return calendar ? { ok: true, result: calendar } : { ok: false, code: 'not-found', reason: `calendar ${key} is gone` };
  }
}
