import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Envelope, Payload, PowerOffNode, SleepNode, WakeNode } from '@somnus/contracts';
import { durableName, OnMessage } from '@somnus/bus';
import { CarryOutPowerActionUseCase, type PowerCommandOutcome } from './carry-out-power-action.use-case';

/** WakeNode, SleepNode and PowerOffNode: decoded here, carried out by one use case. */
@Injectable()
export class PowerCommandsHandler implements OnApplicationShutdown {
  constructor(@Inject(CarryOutPowerActionUseCase) private readonly carryOut: CarryOutPowerActionUseCase) {}

  @OnMessage(WakeNode)
  wakeNode({ envelope }: { envelope: Envelope<Payload<typeof WakeNode>> }): Promise<PowerCommandOutcome> {
    return this.carryOut.execute('wake', envelope, durableName('power', WakeNode));
  }

  @OnMessage(SleepNode)
  sleepNode({ envelope }: { envelope: Envelope<Payload<typeof SleepNode>> }): Promise<PowerCommandOutcome> {
    return this.carryOut.execute('sleep', envelope, durableName('power', SleepNode));
  }

  @OnMessage(PowerOffNode)
  powerOffNode({ envelope }: { envelope: Envelope<Payload<typeof PowerOffNode>> }): Promise<PowerCommandOutcome> {
    return this.carryOut.execute('power-off', envelope, durableName('power', PowerOffNode));
  }

  /** Actions still running in the background (tests and shutdown wait for them). */
  settled(): Promise<void> {
    return this.carryOut.settled();
  }

  async onApplicationShutdown(): Promise<void> {
    // Long wakes are not waited for (their verification can take minutes); their writes are cut short.
    await Promise.race([this.settled(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }
}
