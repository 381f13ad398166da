import { NodeActionLocks, RecentCommands } from './recent-commands';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('RecentCommands', () => {
  it('runs a command id once, while in flight and after it finished', async () => {
    const recent = new RecentCommands<string>();
    const gate = deferred<string>();
    let runs = 0;
    const action = () => {
      runs += 1;
      return gate.promise;
    };

    const first = recent.run('cmd-1', action);
    const second = recent.run('cmd-1', action);
    expect([first.duplicate, second.duplicate]).toEqual([false, true]);
    expect(recent.get('cmd-1')?.state).toBe('in-flight');
    gate.resolve('woke');
    expect(await Promise.all([first.result, second.result])).toEqual(['woke', 'woke']);

    const third = recent.run('cmd-1', action);
    expect(third.duplicate).toBe(true);
    expect(await third.result).toBe('woke');
    expect(runs).toBe(1);
  });

  it('forgets the oldest finished commands first, never one in flight', async () => {
    const recent = new RecentCommands<number>(2);
    const stuck = deferred<number>();
    recent.run('slow', () => stuck.promise);
    await recent.run('a', async () => 1).result;
    await recent.run('b', async () => 2).result;
    await recent.run('c', async () => 3).result;
    expect(recent.size).toBe(2);
    expect(recent.get('slow')?.state).toBe('in-flight');
    expect(recent.get('a')).toBeUndefined();
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('c')).toEqual({ state: 'finished', result: 3 });
    stuck.resolve(0);
    await Promise.resolve();
  });

  it('forgets a command whose action threw, so a redelivery can retry', async () => {
    const recent = new RecentCommands<number>();
    await expect(recent.run('x', async () => Promise.reject(new Error('boom'))).result).rejects.toThrow('boom');
    expect(recent.get('x')).toBeUndefined();
    const again = recent.run('x', async () => 7);
    expect(again.duplicate).toBe(false);
    expect(await again.result).toBe(7);
  });
});

describe('NodeActionLocks', () => {
  it('lets one action per node run and names the holder to others', () => {
    const locks = new NodeActionLocks();
    const wake = locks.tryLock('n1', 'wake', 'c1');
    expect(wake.ok).toBe(true);
    expect(locks.tryLock('n1', 'sleep', 'c2')).toEqual({ ok: false, holder: { action: 'wake', commandId: 'c1' } });
    expect(locks.tryLock('n2', 'sleep', 'c3').ok).toBe(true);
    if (wake.ok) wake.unlock();
    expect(locks.tryLock('n1', 'sleep', 'c2').ok).toBe(true);
  });
});
