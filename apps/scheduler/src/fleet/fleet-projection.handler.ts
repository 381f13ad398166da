import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  createEnvelope,
  DrainRejected,
  Envelope,
  ListNodes,
  MessageDefinition,
  newMessageId,
  NodeIdle,
  NodeRemoved,
  NodeSleeping,
  NodeSlept,
  NodeTransitioned,
  NodeUpserted,
  NodeWakeFailed,
  NodeWaking,
  NodeWoke,
  Payload,
  PowerActionRefused,
} from '@somnus/contracts';
import { Delivery, durableName, MESSAGE_BUS, MessageBus, OnMessage } from '@somnus/bus';
import type { NodePower } from '@somnus/policy';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { DecisionLoop, type DecisionTrigger } from '../decisions/decision-loop';
import { FleetProjectionRepository, type LifecyclePatch } from './fleet-projection.repository';

/**
 * The scheduler's own view of the fleet: the catalogue (inventory's events, seeded with ListNodes at start)
 * and each node's lifecycle state and power events. Every replica keeps it (they share the tables); the
 * leader is nudged to decide when something changed.
 */
@Injectable()
export class FleetProjectionHandler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('scheduler');
  private seeding = true;

  constructor(
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly loop: DecisionLoop,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: inventory may be starting too. A durable consumer only sees new events, so ask for the
    // catalogue as it is; retried a bounded number of times.
    void this.seedFromCatalogue();
  }

  onApplicationShutdown(): void {
    this.seeding = false;
  }

  /** Reads the whole catalogue (ListNodes, page by page) into the projection. Answers how many nodes. */
  async seedFromCatalogue(attempts = 10): Promise<number | undefined> {
    for (let attempt = 1; attempt <= attempts && this.seeding; attempt++) {
      try {
        let offset = 0;
        let seen = 0;
        for (let page = 0; page < 1_000; page++) {
          const reply = await this.bus.request(
            ListNodes,
            createEnvelope(ListNodes.type, { limit: 1000, offset }, { source: 'somnus/scheduler', cause: { actor: 'system:scheduler', correlationId: newMessageId() }, time: new Date() }),
            2_000,
          );
          await this.store.transact(async (tx) => {
            const repository = new FleetProjectionRepository(tx.manager, this.store.schema);
            for (const node of reply.items) await repository.upsertNode(node);
          });
          seen += reply.items.length;
          offset += reply.items.length;
          if (reply.items.length === 0 || offset >= reply.total) break;
        }
        this.logger.log(`projection seeded with ${seen} node(s) from the catalogue`);
        this.loop.requestDecision({ why: 'fleet-changed' });
        return seen;
      } catch (error) {
        if (attempt === attempts) this.logger.warn(`could not read the catalogue (${error instanceof Error ? error.message : String(error)}); relying on node events`);
        else await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** (attempt - 1))));
      }
    }
    return undefined;
  }

  @OnMessage(NodeUpserted)
  async nodeUpserted({ envelope }: Delivery<Payload<typeof NodeUpserted>>): Promise<void> {
    await this.project(NodeUpserted, envelope, (r) => r.upsertNode(envelope.data.node));
  }

  @OnMessage(NodeRemoved)
  async nodeRemoved({ envelope }: Delivery<Payload<typeof NodeRemoved>>): Promise<void> {
    await this.project(NodeRemoved, envelope, (r) => r.removeNode(envelope.data.nodeId));
  }

  @OnMessage(NodeTransitioned)
  async nodeTransitioned({ envelope }: Delivery<Payload<typeof NodeTransitioned>>): Promise<void> {
    await this.lifecycle(NodeTransitioned, envelope, { kind: 'state', state: envelope.data.to, at: new Date(envelope.time) });
  }

  @OnMessage(NodeIdle)
  async nodeIdle({ envelope }: Delivery<Payload<typeof NodeIdle>>): Promise<void> {
    const idleSince = new Date(envelope.data.idleSince);
    await this.lifecycle(NodeIdle, envelope, { kind: 'idle', idleSince: Number.isFinite(idleSince.getTime()) ? idleSince : new Date(envelope.time), at: new Date(envelope.time) }, 'node-idle');
  }

  @OnMessage(DrainRejected)
  async drainRejected({ envelope }: Delivery<Payload<typeof DrainRejected>>): Promise<void> {
    await this.lifecycle(DrainRejected, envelope, { kind: 'sleep-refused', at: new Date(envelope.time) });
  }

  @OnMessage(PowerActionRefused)
  async powerActionRefused({ envelope }: Delivery<Payload<typeof PowerActionRefused>>): Promise<void> {
    const at = new Date(envelope.time);
    await this.lifecycle(PowerActionRefused, envelope, envelope.data.action === 'wake' ? { kind: 'wake-refused', at } : { kind: 'sleep-refused', at });
  }

  @OnMessage(NodeWaking)
  async nodeWaking({ envelope }: Delivery<Payload<typeof NodeWaking>>): Promise<void> {
    await this.power(NodeWaking, envelope, 'booting');
  }

  @OnMessage(NodeWoke)
  async nodeWoke({ envelope }: Delivery<Payload<typeof NodeWoke>>): Promise<void> {
    await this.power(NodeWoke, envelope, 'awake');
  }

  @OnMessage(NodeWakeFailed)
  async nodeWakeFailed({ envelope }: Delivery<Payload<typeof NodeWakeFailed>>): Promise<void> {
    await this.power(NodeWakeFailed, envelope, 'unavailable');
  }

  @OnMessage(NodeSleeping)
  async nodeSleeping({ envelope }: Delivery<Payload<typeof NodeSleeping>>): Promise<void> {
    await this.power(NodeSleeping, envelope, 'suspending');
  }

  @OnMessage(NodeSlept)
  async nodeSlept({ envelope }: Delivery<Payload<typeof NodeSlept>>): Promise<void> {
    await this.power(NodeSlept, envelope, 'asleep');
  }

  private async power(definition: MessageDefinition, envelope: Envelope<{ nodeId: string }>, power: NodePower): Promise<void> {
    await this.lifecycle(definition, envelope, { kind: 'power', power, at: new Date(envelope.time) });
  }

  private async lifecycle(definition: MessageDefinition, envelope: Envelope<{ nodeId: string }>, patch: LifecyclePatch, why: DecisionTrigger['why'] = 'fleet-changed'): Promise<void> {
    await this.project(definition, envelope, (r) => r.applyLifecycle(envelope.data.nodeId, patch), why);
  }

  private async project(
    definition: MessageDefinition,
    envelope: Envelope,
    apply: (repository: FleetProjectionRepository) => Promise<void>,
    why: DecisionTrigger['why'] = 'fleet-changed',
  ): Promise<void> {
    const outcome = await this.store.transact((tx) => apply(new FleetProjectionRepository(tx.manager, this.store.schema)), {
      consumer: durableName('scheduler', definition),
      messageId: envelope.id,
    });
    // An idle node's decision belongs to the chain that reported it idle; other changes are only nudges.
    const cause = why === 'node-idle' ? { correlationId: envelope.correlationId, causationId: envelope.id } : undefined;
    if (!outcome.duplicate) this.loop.requestDecision({ why, cause });
  }
}
