// (g) Two scheduler replicas on the same real PostgreSQL and NATS: exactly one decides; when the leader
// stops (host.close()) or dies without a word (its lease left to expire), another takes over in bounded time.
import { Client } from 'pg';
import { Host, loadRuntimeConfig, startHost } from '@somnus/runtime';
import { removeJetStreamNamespace } from '@somnus/bus';
import { createTestDatabase, describeWithServices, realServices, TestDatabase, uniqueName, waitFor } from '@somnus/testing';
import { createSchedulerService } from '../scheduler.module';
import { DecisionLoop } from '../decisions/decision-loop';
import { SchedulerLeadership } from './scheduler-leadership';

jest.setTimeout(60_000);

const LEASE_ENV = { SCHEDULER_LEASE_MS: '2000', SCHEDULER_LEASE_RENEW_MS: '500' };

describeWithServices(['postgres', 'nats'], 'scheduler leader election (distributed)', () => {
  let database: TestDatabase;
  const namespace = uniqueName('scheduler');
  const hosts: Host[] = [];
  let databaseUrl: string;

  async function replica(): Promise<Host> {
    const config = loadRuntimeConfig({
      SOMNUS_MODE: 'distributed',
      DATABASE_URL: databaseUrl,
      NATS_URL: realServices.natsUrl,
      REDIS_URL: realServices.redisUrl,
      SOMNUS_BUS_NAMESPACE: namespace,
      KUBERNETES_MODE: 'none',
      LOG_LEVEL: 'warn',
    });
    const host = await startHost({ descriptors: [createSchedulerService({ env: LEASE_ENV })], config, logger: { log: () => undefined, error: () => undefined, warn: () => undefined } });
    hosts.push(host);
    return host;
  }

  const leadership = (host: Host) => host.app.get(SchedulerLeadership, { strict: false });
  const deciding = (host: Host) => host.app.get(DecisionLoop, { strict: false }).isActive;

  /** Samples every 50 ms until one of `live` leads; fails if two ever lead at once. */
  async function soleLeader(live: Host[], timeoutMs: number): Promise<Host> {
    let leader: Host | undefined;
    await waitFor('one leader', () => {
      const leading = live.filter((h) => leadership(h).isLeader());
      expect(leading.length).toBeLessThanOrEqual(1);
      leader = leading[0];
      return leader !== undefined && deciding(leader);
    }, timeoutMs);
    return leader!;
  }

  async function leaseHolder(): Promise<string | undefined> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = await client.query<{ holder: string }>(`SELECT holder FROM scheduler.leader_lease WHERE expires_at > clock_timestamp()`);
      return rows.rows[0]?.holder;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('somnus_t_scheduler');
    databaseUrl = database.url;
  });

  afterAll(async () => {
    for (const host of hosts) await host.close().catch(() => undefined);
    await removeJetStreamNamespace(realServices.natsUrl, namespace);
    await database?.drop();
  });

  it('elects one of two replicas; when the leader stops, the other takes over; when that one dies, a third does once the lease expires', async () => {
    const a = await replica();
    const b = await replica();
    const first = await soleLeader([a, b], 10_000);
    const second = first === a ? b : a;
    expect(deciding(second)).toBe(false);
    expect(await leaseHolder()).toBe(leadership(first).leadership().holder);

    // The leader stops: it gives the lease up and the follower takes over at its next round.
    await first.close();
    hosts.splice(hosts.indexOf(first), 1);
    const takeover = await soleLeader([second], 10_000);
    expect(takeover).toBe(second);
    expect(await leaseHolder()).toBe(leadership(second).leadership().holder);

    // A third replica follows; then the leader dies without releasing its lease.
    const c = await replica();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(leadership(c).isLeader()).toBe(false);
    await leadership(second).abandon();
    expect(deciding(second)).toBe(false);
    // Until the lease runs out, nobody leads: the dead leader still holds it.
    expect(leadership(c).isLeader()).toBe(false);
    const survivor = await soleLeader([second, c], 15_000);
    expect(survivor).toBe(c);
    expect(await leaseHolder()).toBe(leadership(c).leadership().holder);
  });
});
