import { LeaderElector } from './leader-elector';
import type { LeaderLeaseStore } from './leader-lease.port';

/** The lease semantics of the Postgres adapter, on a clock the test moves. */
class FakeLease implements LeaderLeaseStore {
  holder?: string;
  expiresAt = 0;
  unreachable = false;

  constructor(private readonly clock: { now: number }) {}

  async tryAcquire(holder: string, durationMs: number): Promise<boolean> {
    if (this.unreachable) throw new Error('connection refused');
    if (this.holder !== undefined && this.holder !== holder && this.expiresAt > this.clock.now) return false;
    this.holder = holder;
    this.expiresAt = this.clock.now + durationMs;
    return true;
  }

  async release(holder: string): Promise<void> {
    if (this.holder === holder) this.expiresAt = this.clock.now - 1;
  }

  async currentHolder(): Promise<string | undefined> {
    return this.expiresAt > this.clock.now ? this.holder : undefined;
  }
}

function setup() {
  const clock = { now: 0 };
  const lease = new FakeLease(clock);
  const events: string[] = [];
  const elector = (holder: string) =>
    new LeaderElector(lease, {
      holder,
      leaseMs: 5_000,
      renewMs: 1_500,
      monotonicNow: () => clock.now,
      onElected: () => events.push(`${holder} elected`),
      onDeposed: (why) => events.push(`${holder} deposed: ${why}`),
    });
  return { clock, lease, events, a: elector('a'), b: elector('b') };
}

describe('LeaderElector', () => {
  it('elects exactly one of two replicas and keeps it while it renews', async () => {
    const { clock, a, b, events } = setup();
    for (let round = 0; round < 20; round++) {
      await a.round();
      await b.round();
      expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
      clock.now += 1_500;
    }
    expect(a.isLeader).toBe(true);
    expect(events).toEqual(['a elected']);
  });

  it('lets the follower take over once a dead leader’s lease has expired, not before', async () => {
    const { clock, a, b } = setup();
    await a.round();
    await b.round();
    // a dies (stops renewing) right after its renewal at t=0.
    let tookOverAt: number | undefined;
    for (let t = 0; t <= 10_000 && tookOverAt === undefined; t += 500) {
      clock.now = t;
      await b.round();
      if (b.isLeader) tookOverAt = t;
    }
    expect(tookOverAt).toBeGreaterThan(5_000 - 1);
    expect(tookOverAt).toBeLessThanOrEqual(5_500);
  });

  it('hands over at once when the leader stops gracefully', async () => {
    const { clock, a, b, lease } = setup();
    await a.round();
    await a.stop();
    expect(a.isLeader).toBe(false);
    clock.now += 1;
    await b.round();
    expect(b.isLeader).toBe(true);
    expect(await lease.currentHolder()).toBe('b');
  });

  it('steps down on its own when it cannot renew, before its lease could have expired', async () => {
    const { clock, a, b, lease, events } = setup();
    await a.round();
    lease.unreachable = true;
    clock.now = 1_500;
    await a.round();
    expect(a.isLeader).toBe(true); // one failed renewal is tolerated
    clock.now = 3_500;
    await a.round();
    expect(a.isLeader).toBe(false);
    expect(events.at(-1)).toMatch(/a deposed: could not renew the lease for 3500 ms/);
    // b only gets the lease once a's has run out: never two leaders.
    lease.unreachable = false;
    await b.round();
    expect(b.isLeader).toBe(false);
    clock.now = 5_001;
    await b.round();
    expect(b.isLeader).toBe(true);
  });

  it('stops counting itself leader when its process was paused past the lease', async () => {
    const { clock, a } = setup();
    await a.round();
    clock.now = 6_000; // no round ran: event loop stalled
    expect(a.isLeader).toBe(false);
  });

  it('notices another holder and steps down', async () => {
    const { clock, a, lease, events } = setup();
    await a.round();
    lease.holder = 'intruder';
    lease.expiresAt = clock.now + 10_000;
    await a.round();
    expect(a.isLeader).toBe(false);
    expect(events.at(-1)).toBe('a deposed: another replica holds the lease');
  });
});
