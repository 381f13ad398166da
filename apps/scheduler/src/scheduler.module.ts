import { CLOCK, type Clock, serviceModule, ServiceDescriptor, systemClock } from '@somnus/runtime';
import { CalendarHandler } from './calendars/calendar.handler';
import { loadSchedulerConfig, SCHEDULER_CONFIG } from './config/scheduler.config';
import { DecisionLoop } from './decisions/decision-loop';
import { DecisionsHandler } from './decisions/decisions.handler';
import { FleetProjectionHandler } from './fleet/fleet-projection.handler';
import { SchedulerLeadership } from './leadership/scheduler-leadership';
import { schedulerMigrations } from './persistence/migrations';

/** Owns demand (pending pods, calendars) and decisions: wake, drain-and-sleep or hold, each with its reason. */
export class SchedulerModule {}

export interface SchedulerServiceOptions {
  /** Environment for the scheduler's own settings (SCHEDULER_*); the process environment by default. */
  env?: NodeJS.ProcessEnv;
  /** "Now" in epoch ms; tests move it to just before a calendar window opens. */
  clock?: Clock;
}

/** A scheduler descriptor with its own settings and clock (tests); `schedulerService` is the usual one. */
export function createSchedulerService(options: SchedulerServiceOptions = {}): ServiceDescriptor {
  return {
    name: 'scheduler',
    entities: [],
    migrations: schedulerMigrations,
    module: (infrastructure) =>
      serviceModule(SchedulerModule, infrastructure, {
        providers: [
          { provide: SCHEDULER_CONFIG, useFactory: () => loadSchedulerConfig(options.env ?? process.env) },
          { provide: CLOCK, useValue: options.clock ?? systemClock },
          DecisionLoop,
          SchedulerLeadership,
          FleetProjectionHandler,
          CalendarHandler,
          DecisionsHandler,
        ],
        exports: [SchedulerLeadership, DecisionLoop],
      }),
  };
}

export const schedulerService: ServiceDescriptor = createSchedulerService();
