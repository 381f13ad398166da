export * from './scheduler.module';
export { SchedulerLeadership, type Leadership } from './leadership/scheduler-leadership';
export { DecisionLoop, POLICY_ACTOR, type AppliedDecision, type DecisionTrigger } from './decisions/decision-loop';
export { loadSchedulerConfig, schedulerEnvSchema, type SchedulerConfig } from './config/scheduler.config';
export { nextWindowStart, openOccurrence, toPolicyWindow, zonedTimeToEpoch } from './calendars/calendar-window';
export { LeaderElector } from './leadership/leader-elector';
export type { LeaderLeaseStore } from './leadership/leader-lease.port';
export { PostgresLeaderLease } from './leadership/postgres-lease.adapter';
