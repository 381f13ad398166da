import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createEnvelope, ListNodes, newMessageId, Node, NodeRemoved, NodeUpserted, Payload } from '@somnus/contracts';
import { Delivery, durableName, MESSAGE_BUS, MessageBus, OnMessage } from '@somnus/bus';
import type { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { tcpReachable } from '../actuation/tcp-probe.adapter';
import { reachabilityTarget } from '../actuation/wake-verifier';
import { POWER_CONFIG } from '../power-actuation';
import type { PowerConfig } from '../config/power.config';
import { NodeDirectory } from './node-directory';
import { PowerStateBook } from './power-state-book';
import { ProjectNodeUseCase } from './project-node.use-case';

const SEED_ATTEMPTS = 10;
const SEED_TIMEOUT_MS = 3_000;
const PAGE = 1_000;
const PROBE_CONCURRENCY = 32;

/**
 * Keeps the power service's copy of the catalogue: inventory's node-upserted / node-removed events, and at
 * start the ListNodes query (a new JetStream consumer only sees new events), retried while inventory is not
 * answering yet. A node seen for the first time has its SSH port probed once, so its power state (and the
 * energy it is counted for) starts from a fact rather than "unknown".
 */
@Injectable()
export class NodeProjectionHandler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('power:nodes');
  private stopped = false;
  private seeding?: Promise<void>;

  constructor(
    /** Its transactions, its tables' manager (for the power-state book) and the `source` of its queries. */
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(MESSAGE_BUS) private readonly bus: Pick<MessageBus, 'request'>,
    @Inject(POWER_CONFIG) private readonly config: Pick<PowerConfig, 'probeOnStart'>,
    @Inject(ProjectNodeUseCase) private readonly project: ProjectNodeUseCase,
    @Inject(NodeDirectory) private readonly directory: Pick<NodeDirectory, 'size' | 'all'>,
    @Inject(PowerStateBook) private readonly states: Pick<PowerStateBook, 'load' | 'get' | 'set'>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.project.load();
    await this.states.load(this.store.dataSource.manager);
  }

  onApplicationBootstrap(): void {
    // Not awaited: inventory may be hosted in this very process and subscribe after us.
    this.seeding = this.seed().catch((error: unknown) => this.logger.warn(`could not seed the node list: ${String(error)}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.seeding;
  }

  /** Resolves once the seeding pass (or its retries) is over; for tests and the start-up log. */
  whenSeeded(): Promise<void> {
    return this.seeding ?? Promise.resolve();
  }

  @OnMessage(NodeUpserted)
  async nodeUpserted({ envelope }: Delivery<Payload<typeof NodeUpserted>>): Promise<void> {
    const node = envelope.data.node;
    if (await this.project.upserted(node, { consumer: durableName('power', NodeUpserted), messageId: envelope.id })) void this.probeUnknown([node]);
  }

  @OnMessage(NodeRemoved)
  async nodeRemoved({ envelope }: Delivery<Payload<typeof NodeRemoved>>): Promise<void> {
    await this.project.removed(envelope.data.nodeId, { consumer: durableName('power', NodeRemoved), messageId: envelope.id });
  }

  private async seed(): Promise<void> {
    for (let attempt = 1; attempt <= SEED_ATTEMPTS && !this.stopped; attempt++) {
      try {
        const nodes = await this.listAll();
        for (const node of nodes) await this.project.upserted(node);
        this.logger.log(`knows ${this.directory.size} nodes (${nodes.length} from the catalogue)`);
        await this.probeUnknown(this.directory.all());
        return;
      } catch (error) {
        if (attempt === SEED_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** (attempt - 1))));
      }
    }
  }

  private async listAll(): Promise<Node[]> {
    const nodes: Node[] = [];
    for (let offset = 0; offset < 1_000_000; offset += PAGE) {
      const envelope = createEnvelope(ListNodes.type, { limit: PAGE, offset }, {
        source: this.store.source,
        cause: { actor: 'system:power', correlationId: newMessageId() },
        time: new Date(),
      });
      const page = await this.bus.request(ListNodes, envelope, SEED_TIMEOUT_MS);
      nodes.push(...page.items);
      if (page.items.length < PAGE || nodes.length >= page.total) break;
    }
    return nodes;
  }

  /** Probes the SSH port of nodes whose power state is unknown; bounded in concurrency and time. */
  private async probeUnknown(nodes: Node[]): Promise<void> {
    if (!this.config.probeOnStart) return;
    const pending = nodes.filter((node) => this.states.get(node.id) === undefined);
    for (let i = 0; i < pending.length && !this.stopped; i += PROBE_CONCURRENCY) {
      await Promise.all(pending.slice(i, i + PROBE_CONCURRENCY).map((node) => this.probe(node)));
    }
  }

  private async probe(node: Node): Promise<void> {
    const target = reachabilityTarget(node);
    if (!target) return;
    const on = await tcpReachable(target.host, target.port, 1_000);
    if (this.stopped || this.states.get(node.id) !== undefined) return; // an action got there first
    const reason = on ? `probed: ${target.host}:${target.port} answers` : `probed: nothing answers on ${target.host}:${target.port}`;
    await this.store
      .transact((tx) => this.states.set(tx.manager, node.id, on ? 'on' : 'off', reason, null, new Date()))
      .catch((error: unknown) => this.logger.warn(`could not record the power state of ${node.name}: ${String(error)}`));
  }
}
