import { Injectable } from '@nestjs/common';
import { causedBy, DrainNode, Payload } from '@somnus/contracts';
import { Delivery, durableName, OnMessage } from '@somnus/bus';
import { DrainNodeUseCase, type DrainOutcome } from './drain-node.use-case';

/** `drain-node`, decoded and handed to the use case (which answers at once and drains in the background). */
@Injectable()
export class DrainNodeHandler {
  constructor(private readonly drain: DrainNodeUseCase) {}

  @OnMessage(DrainNode)
  drainNode({ envelope }: Delivery<Payload<typeof DrainNode>>): Promise<DrainOutcome> {
    const { nodeId, reason, thenSleep } = envelope.data;
    return this.drain.execute(
      { nodeId, reason, thenSleep, commandId: envelope.id, actor: envelope.actor },
      causedBy(envelope),
      { consumer: durableName('lifecycle', DrainNode), messageId: envelope.id },
    );
  }
}
