// The world a power-service integration test runs in: the shared simulated fleet world, plus the power events
// it collects and what the tests ask of them.
import {
  Envelope,
  MessageDefinition,
  NodeSleeping,
  NodeSleepFailed,
  NodeSlept,
  NodeWakeFailed,
  NodeWaking,
  NodeWoke,
  PowerActionRefused,
} from '@somnus/contracts';
import type { MessageBus } from '@somnus/bus';
import { FleetWorld } from '@somnus/testing';

export const POWER_EVENTS = [NodeWaking, NodeWoke, NodeWakeFailed, NodeSleeping, NodeSlept, NodeSleepFailed, PowerActionRefused] as const;

/** Short retries and deadlines, so a never-booting node gives up within seconds (fleet speed 100: boot 1.5 s). */
export const FAST_POWER_ENV: NodeJS.ProcessEnv = {
  SOMNUS_WAKE_ATTEMPTS: '2',
  SOMNUS_WAKE_RETRY_BASE_MS: '100',
  SOMNUS_WAKE_RETRY_MAX_MS: '200',
  SOMNUS_WAKE_TIMEOUT_MS: '5000',
  SOMNUS_SLEEP_TIMEOUT_MS: '5000',
  SOMNUS_VERIFY_POLL_MS: '100',
  SOMNUS_WOL_INTERVAL_MS: '20',
  SOMNUS_SSH_CONNECT_TIMEOUT_MS: '3000',
  SOMNUS_ENERGY_SAMPLE_MS: '0',
};

export class PowerWorld extends FleetWorld {
  readonly events: Envelope[] = [];

  /** Collects the power events from a consumer of its own, named after this test. */
  async collectEvents(bus: MessageBus, prefix: string): Promise<void> {
    for (const definition of POWER_EVENTS) {
      await bus.consume(definition as MessageDefinition, { durable: `${prefix}__${definition.name}` }, async ({ envelope }) => {
        this.events.push(envelope);
      });
    }
  }

  eventsFor(nodeId: string, definition?: MessageDefinition): Envelope[] {
    return this.events.filter((e) => e.subject === nodeId && (!definition || e.type === definition.type));
  }

  wolRepeat(name: string): number {
    const spec = this.fleet.nodeSpecs().find((node) => node.name === name);
    return spec?.driver?.wol?.repeat ?? 0;
  }
}
