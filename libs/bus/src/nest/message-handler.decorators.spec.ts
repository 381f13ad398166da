import { Reflector } from '@nestjs/core';
import { type CommandOutcome, type Envelope, NodeWoke, type Payload, WakeNode } from '@somnus/contracts';
import type { Delivery } from '../bus.port';
import { ON_MESSAGE, OnMessage, type OnMessageMetadata } from './message-handler.decorators';

type WakeReply = CommandOutcome<{ nodeId: string; accepted: boolean }>;

class Handlers {
  @OnMessage(WakeNode, { maxDeliveries: 3 })
  async wakeNode({ envelope }: Delivery<Payload<typeof WakeNode>>): Promise<WakeReply> {
    return { ok: true, result: { nodeId: envelope.data.nodeId, accepted: true } };
  }

  @OnMessage(NodeWoke)
  async nodeWoke(_delivery: Delivery<Payload<typeof NodeWoke>>): Promise<void> {}

  // The checks below are the compiler's (`npm run typecheck`): each line must fail to compile.
  // @ts-expect-error the parameter is another message's delivery
  @OnMessage(WakeNode)
  async wrongPayload({ envelope }: { envelope: Envelope<Payload<typeof NodeWoke>> }): Promise<WakeReply> {
    return { ok: false, code: 'refused', reason: envelope.id };
  }

  // @ts-expect-error a command's handler must answer with the command's outcome
  @OnMessage(WakeNode)
  async wrongReply(_delivery: Delivery<Payload<typeof WakeNode>>): Promise<{ ok: true; result: { wrong: string } }> {
    return { ok: true, result: { wrong: 'x' } };
  }
}

describe('@OnMessage', () => {
  it('records the definition and options on the method for the explorer', () => {
    const metadata = new Reflector().get<OnMessageMetadata | undefined>(ON_MESSAGE, Handlers.prototype.wakeNode);
    expect(metadata).toEqual({ definition: WakeNode, maxDeliveries: 3 });
    expect(new Reflector().get<OnMessageMetadata | undefined>(ON_MESSAGE, Handlers.prototype.nodeWoke)?.definition).toBe(NodeWoke);
  });
});
