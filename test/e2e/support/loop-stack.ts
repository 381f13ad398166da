import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiGatewayService } from '@somnus/api-gateway';
import { auditService } from '@somnus/audit';
import { removeJetStreamNamespace } from '@somnus/bus';
import { FleetSimulator } from '@somnus/fleet-sim';
import { inventoryService } from '@somnus/inventory';
import { createLifecycleService } from '@somnus/lifecycle';
import { createPowerService, NodeDirectory } from '@somnus/power';
import { Host, loadRuntimeConfig, ServiceDescriptor, startHost } from '@somnus/runtime';
import { createSchedulerService, SchedulerLeadership } from '@somnus/scheduler';
import { createTestDatabase, realServices, uniqueName } from '@somnus/testing';
import { eventually } from './eventually';
import { ASLEEP_AT_START, keepBusyExceptIdle, loopFleetDefinitions } from './loop-fleet';

/** The minimum age before a drain; short, so the "too young" refusal and ordinary drains both fit in a run. */
export const MIN_AWAKE_MS = 15_000;

/**
 * Timings scaled down the way the demo scales them (DEMO_SETTINGS), tighter still: a node quiet for 4 s is
 * idle, the policy sleeps it after a hundredth of its break-even time, a refused drain is proposed again
 * 3 s later, a wake is retried once, half a second after 5 s without verification.
 */
export const LIFECYCLE_ENV: Record<string, string> = {
  LIFECYCLE_IDLE_DETECTION: 'true',
  LIFECYCLE_SAMPLE_INTERVAL_MS: '1500',
  LIFECYCLE_IDLE_GRACE_PERIOD_MS: '4000',
  LIFECYCLE_MIN_AWAKE_MS: String(MIN_AWAKE_MS),
  LIFECYCLE_POLL_INTERVAL_MS: '200',
  LIFECYCLE_DRAIN_TIMEOUT_MS: '20000',
  LIFECYCLE_READY_TIMEOUT_MS: '20000',
  LIFECYCLE_WAKE_TIMEOUT_MS: '60000',
  LIFECYCLE_WAKE_CHECK_INTERVAL_MS: '5000',
};
export const SCHEDULER_ENV: Record<string, string> = {
  SCHEDULER_TICK_MS: '2000',
  SCHEDULER_LEASE_MS: '3000',
  SCHEDULER_LEASE_RENEW_MS: '1000',
  SCHEDULER_WAKE_RETRY_MS: '2000',
  SCHEDULER_SLEEP_RETRY_MS: '3000',
  SCHEDULER_IDLE_GRACE_BREAK_EVENS: '0.01',
};
export const POWER_ENV: Record<string, string> = {
  SOMNUS_WAKE_ATTEMPTS: '2',
  SOMNUS_WAKE_TIMEOUT_MS: '5000',
  SOMNUS_WAKE_RETRY_BASE_MS: '500',
  SOMNUS_VERIFY_POLL_MS: '100',
  SOMNUS_WOL_INTERVAL_MS: '20',
  SOMNUS_ENERGY_SAMPLE_MS: '0',
};

export interface LoopStack {
  fleet: FleetSimulator;
  url: string;
  adminToken: string;
  /** The scheduler replicas, in start order; `close()` on one is how a leader dies. */
  schedulers: Host[];
  /** The scheduler replicas that hold the lease now (one, unless leadership is changing hands). */
  leaders(): Host[];
  /** Stops one scheduler replica as a dying process would leave: its host closed. */
  stopScheduler(replica: Host): Promise<void>;
  close(): Promise<void>;
}

/**
 * The distributed stack over real JetStream, PostgreSQL and Redis: inventory, lifecycle, two scheduler
 * replicas, power, audit and the API gateway, each in its own host (one process, as `npm run stack` runs one
 * per process), one fresh database and one bus namespace, acting on a simulated fleet.
 */
export async function startLoopStack(options: { speed: number }): Promise<LoopStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'somnus-e2e-loop-'));
  const fleet = await FleetSimulator.start({
    nodes: loopFleetDefinitions(),
    speed: options.speed,
    asleep: ASLEEP_AT_START,
    daemonSetPods: false,
    binder: { scoring: 'most-allocated' },
  });
  keepBusyExceptIdle(fleet);
  const database = await createTestDatabase('somnus_t_loop');
  const namespace = uniqueName('e2e_loop');
  const hosts: Host[] = [];
  const schedulers: Host[] = [];
  const close = async () => {
    for (const host of hosts.reverse()) await host.close().catch(() => undefined);
    await fleet.stop();
    await removeJetStreamNamespace(realServices.natsUrl, namespace);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadRuntimeConfig({
      SOMNUS_MODE: 'distributed',
      SOMNUS_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      NATS_URL: realServices.natsUrl,
      REDIS_URL: realServices.redisUrl,
      SOMNUS_BUS_NAMESPACE: namespace,
      PORT: '0',
      HEALTH_PORT: '0',
      LOG_LEVEL: 'warn',
      SOMNUS_COMMAND_TIMEOUT_MS: '10000',
      ...fleet.writeAccessFiles(dataDir).env,
    });
    const start = async (descriptor: ServiceDescriptor) => {
      const host = await startHost({ descriptors: [descriptor], config, logger: false });
      hosts.push(host);
      return host;
    };
    await start(inventoryService);
    await start(auditService);
    await start(createLifecycleService({ env: LIFECYCLE_ENV }));
    const power = await start(createPowerService(POWER_ENV));
    for (let replica = 0; replica < 2; replica += 1) schedulers.push(await start(createSchedulerService({ env: SCHEDULER_ENV })));
    const gateway = await start(apiGatewayService);

    const directory = power.app.get(NodeDirectory, { strict: false });
    await eventually('the power service to know every node', async () => directory.size === fleet.nodes.length || undefined, 30_000);
    const leaders = () => schedulers.filter((host) => hosts.includes(host) && host.app.get(SchedulerLeadership, { strict: false }).isLeader());
    await eventually('one scheduler replica to lead', async () => leaders().length === 1 || undefined, 20_000);
    return {
      fleet,
      url: gateway.url!,
      adminToken: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
      schedulers,
      leaders,
      stopScheduler: async (replica) => {
        hosts.splice(hosts.indexOf(replica), 1);
        await replica.close();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
