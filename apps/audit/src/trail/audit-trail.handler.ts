import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Envelope, kindOfSubject, Payload, QueryAudit, ReplyOf, VerifyAudit } from '@somnus/contracts';
import { AnswerQuery, MESSAGE_BUS, MessageBus, Subscription } from '@somnus/bus';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { AuditTrailRepository } from './audit-trail.repository';

/** The durable consumer of every event and command, and the audit queries. */
@Injectable()
export class AuditTrailHandler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('audit');
  readonly trail: AuditTrailRepository;
  private subscription?: Subscription;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SERVICE_STORE) store: ServiceStore,
  ) {
    this.trail = new AuditTrailRepository(store.dataSource, store.schema);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.consumeAll({ durable: 'audit', kinds: ['event', 'command'], maxBatch: 1_000 }, async (deliveries) => {
      await this.trail.append(
        deliveries.map(({ envelope, subject }) => ({ envelope, kind: kindOfSubject(subject) === 'command' ? ('command' as const) : ('event' as const) })),
      );
    });
    this.logger.log('recording every event and command');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
  }

  @AnswerQuery(QueryAudit)
  query({ data }: Envelope<Payload<typeof QueryAudit>>): Promise<ReplyOf<typeof QueryAudit>> {
    return this.trail.query(data);
  }

  @AnswerQuery(VerifyAudit)
  verify(): Promise<ReplyOf<typeof VerifyAudit>> {
    return this.trail.verify();
  }
}
