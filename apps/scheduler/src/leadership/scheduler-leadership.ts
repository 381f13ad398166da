import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config/scheduler.config';
import { DecisionLoop } from '../decisions/decision-loop';
import { LeaderElector } from './leader-elector';
import { LEADER_LEASE, type LeaderLeaseStore } from './leader-lease.port';

export interface Leadership {
  /** This replica's name in the lease. */
  holder: string;
  leader: boolean;
}

/**
 * Exactly one active decider among the scheduler's replicas: the holder of the lease in Postgres runs the
 * decision loop; the others only keep their projections and answer queries until they win the lease.
 */
@Injectable()
export class SchedulerLeadership implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('scheduler');
  private readonly elector: LeaderElector;
  /** Serialises start/stop of the loop, so a quick loss after a win never leaves it half-started. */
  private transition: Promise<void> = Promise.resolve();

  constructor(
    @Inject(LEADER_LEASE) lease: LeaderLeaseStore,
    @Inject(SCHEDULER_CONFIG) config: SchedulerConfig,
    private readonly loop: DecisionLoop,
  ) {
    const holder = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.elector = new LeaderElector(lease, {
      holder,
      leaseMs: config.leaseMs,
      renewMs: config.leaseRenewMs,
      onElected: () => {
        this.logger.log(`scheduler ${holder} is now the leader: deciding`);
        this.transition = this.transition.then(() => this.loop.start(holder)).catch((error: unknown) => this.logger.error(`could not start deciding: ${String(error)}`));
      },
      onDeposed: (why) => {
        this.logger.warn(`scheduler ${holder} is no longer the leader (${why}): idle`);
        this.transition = this.transition.then(() => this.loop.stop());
      },
      onError: (error) => this.logger.warn(`leader lease: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.logger.log(`scheduler ${this.elector.holder} started: following until it holds the lease`);
    this.elector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.elector.stop();
    await this.transition;
    await this.loop.stop();
  }

  /**
   * Stops campaigning and deciding without giving the lease up, as a crashed or hung process would: the
   * other replicas take over only once the lease expires. For failover tests.
   */
  async abandon(): Promise<void> {
    await this.elector.stop({ release: false });
    await this.transition;
    await this.loop.stop();
  }

  leadership(): Leadership {
    return { holder: this.elector.holder, leader: this.elector.isLeader };
  }

  isLeader(): boolean {
    return this.elector.isLeader;
  }
}
