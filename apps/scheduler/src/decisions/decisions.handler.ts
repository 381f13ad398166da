import { Inject, Injectable } from '@nestjs/common';
import { Envelope, ListDecisions, Payload, ReplyOf } from '@somnus/contracts';
import { AnswerQuery } from '@somnus/bus';
import { DecisionRepository } from './decision.repository';

/** Decisions, newest first, with their reasons: answered by every replica from the shared table. */
@Injectable()
export class DecisionsHandler {
  constructor(@Inject(DecisionRepository) private readonly decisions: Pick<DecisionRepository, 'list'>) {}

  @AnswerQuery(ListDecisions)
  async listDecisions({ data }: Envelope<Payload<typeof ListDecisions>>): Promise<ReplyOf<typeof ListDecisions>> {
    return this.decisions.list(data);
  }
}
