import { SomnusPolicy } from '@somnus/policy';
import type { ServiceStore } from '@somnus/persistence';
import { CLOCK, type Clock, loadKubeConfig, SERVICE_INFRASTRUCTURE, SERVICE_STORE, serviceModule, ServiceDescriptor, type ServiceInfrastructure, systemClock } from '@somnus/runtime';
import { CalendarHandler } from './calendars/calendar.handler';
import { CalendarRepository } from './calendars/calendar.repository';
import { loadSchedulerConfig, SCHEDULER_CONFIG, type SchedulerConfig } from './config/scheduler.config';
import { DecisionLoop } from './decisions/decision-loop';
import { DecisionRepository } from './decisions/decision.repository';
import { DecisionsHandler } from './decisions/decisions.handler';
import { DEMAND_SOURCE, type DemandSource } from './demand/demand-source.port';
import { KubernetesDemandSource, NoClusterDemandSource } from './demand/kubernetes-demand.adapter';
import { FleetProjectionHandler } from './fleet/fleet-projection.handler';
import { FleetProjectionRepository } from './fleet/fleet-projection.repository';
import { LEADER_LEASE } from './leadership/leader-lease.port';
import { LEASE_FENCE, type LeaseFence } from './leadership/lease-fence.port';
import { PostgresLeaderLease } from './leadership/postgres-lease.adapter';
import { SchedulerLeadership } from './leadership/scheduler-leadership';
import { schedulerMigrations } from './persistence/migrations';

/** Owns demand (pending pods, calendars) and decisions: wake, drain-and-sleep or hold, each with its reason. */
export class SchedulerModule {}

export interface SchedulerServiceOptions {
  /** Environment for the scheduler's own settings (SCHEDULER_*); the process environment by default. */
  env?: NodeJS.ProcessEnv;
  /** "Now" in epoch ms; tests move it to just before a calendar window opens. */
  clock?: Clock;
  /** Replaces the demand source chosen by KUBERNETES_MODE (tests). */
  demand?: DemandSource;
}

const DECISION_POLICY = Symbol('DECISION_POLICY');

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
          {
            provide: DEMAND_SOURCE,
            useFactory: (config: SchedulerConfig): DemandSource => {
              if (options.demand) return options.demand;
              const kubeConfig = loadKubeConfig(infrastructure.config);
              return kubeConfig ? new KubernetesDemandSource(kubeConfig, { backoffMs: config.watchBackoffMs, backoffMaxMs: config.watchBackoffMaxMs }) : new NoClusterDemandSource();
            },
            inject: [SCHEDULER_CONFIG],
          },
          { provide: DECISION_POLICY, useFactory: (config: SchedulerConfig) => new SomnusPolicy(config.policy, config.policyName), inject: [SCHEDULER_CONFIG] },
          { provide: PostgresLeaderLease, useFactory: (store: ServiceStore) => new PostgresLeaderLease(store.dataSource, store.schema), inject: [SERVICE_STORE] },
          { provide: LEADER_LEASE, useExisting: PostgresLeaderLease },
          { provide: LEASE_FENCE, useExisting: PostgresLeaderLease },
          { provide: FleetProjectionRepository, useFactory: (store: ServiceStore) => new FleetProjectionRepository(store.dataSource.manager, store.schema), inject: [SERVICE_STORE] },
          { provide: CalendarRepository, useFactory: (store: ServiceStore) => new CalendarRepository(store.dataSource.manager, store.schema), inject: [SERVICE_STORE] },
          { provide: DecisionRepository, useFactory: (store: ServiceStore) => new DecisionRepository(store.dataSource.manager, store.schema), inject: [SERVICE_STORE] },
          {
            provide: DecisionLoop,
            useFactory: (
              policy: SomnusPolicy,
              demand: DemandSource,
              fleet: FleetProjectionRepository,
              calendars: CalendarRepository,
              decisions: DecisionRepository,
              fence: LeaseFence,
              store: ServiceStore,
              infra: ServiceInfrastructure,
              config: SchedulerConfig,
              clock: Clock,
            ) => new DecisionLoop({ policy, demand, fleet, calendars, decisions, fence, transactions: store, clock, config, dryRun: infra.config.SOMNUS_DRY_RUN }),
            inject: [DECISION_POLICY, DEMAND_SOURCE, FleetProjectionRepository, CalendarRepository, DecisionRepository, LEASE_FENCE, SERVICE_STORE, SERVICE_INFRASTRUCTURE, SCHEDULER_CONFIG, CLOCK],
          },
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
