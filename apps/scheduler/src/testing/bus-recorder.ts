// Test helper: a recorder of every command and event on a bus.
import type { Envelope } from '@somnus/contracts';
import type { MessageBus } from '@somnus/bus';

/** Every command and event published on a bus, in arrival order, through a consumer of its own. */
export class BusRecorder {
  readonly messages: Envelope[] = [];

  static async attach(bus: MessageBus, durable: string): Promise<BusRecorder> {
    const recorder = new BusRecorder();
    await bus.consumeAll({ durable, kinds: ['event', 'command'] }, async (deliveries) => {
      for (const d of deliveries) recorder.messages.push(d.envelope);
    });
    return recorder;
  }

  of<T = unknown>(type: string): Envelope<T>[] {
    return this.messages.filter((m) => m.type === type) as Envelope<T>[];
  }
}
