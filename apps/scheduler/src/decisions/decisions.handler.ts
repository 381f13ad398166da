import { Inject, Injectable } from '@nestjs/common';
import { Envelope, ListDecisions, Payload, ReplyOf } from '@somnus/contracts';
import { AnswerQuery } from '@somnus/bus';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { DecisionRepository } from './decision.repository';

/** Decisions, newest first, with their reasons: answered by every replica from the shared table. */
@Injectable()
export class DecisionsHandler {
  constructor(@Inject(SERVICE_STORE) private readonly store: ServiceStore) {}

  @AnswerQuery(ListDecisions)
  async listDecisions({ data }: Envelope<Payload<typeof ListDecisions>>): Promise<ReplyOf<typeof ListDecisions>> {
    return new DecisionRepository(this.store.dataSource.manager, this.store.schema).list(data);
  }
}
