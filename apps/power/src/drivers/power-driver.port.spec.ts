import { DriverResult, PowerAction, PowerDriver, PowerDriverRegistry, SupportCheck } from './power-driver.port';
import { testNode } from './testing/test-node';

class FakeDriver implements PowerDriver {
  readonly calls: string[] = [];
  constructor(
    readonly name: string,
    private readonly actions: readonly PowerAction[],
  ) {}
  supports(action: PowerAction): SupportCheck {
    return this.actions.includes(action) ? { supported: true } : { supported: false, reason: `no ${action}` };
  }
  async wake(): Promise<DriverResult> {
    this.calls.push('wake');
    return { ok: true, driver: this.name, detail: 'woke' };
  }
  async sleep(): Promise<DriverResult> {
    this.calls.push('sleep');
    return { ok: true, driver: this.name, detail: 'slept' };
  }
}

const ctx = { commandId: 'c1', attempt: 1 };

describe('PowerDriverRegistry', () => {
  it('picks the wake driver named by driver.wake and the sleep driver by driver.sleep', async () => {
    const wolDriver = new FakeDriver('wol', ['wake']);
    const sshDriver = new FakeDriver('ssh', ['sleep', 'power-off']);
    const registry = new PowerDriverRegistry([wolDriver, sshDriver]);
    const node = testNode({ driver: { wake: 'wol', sleep: 'ssh-poweroff' } });

    expect(await registry.perform('wake', node, ctx)).toMatchObject({ ok: true, driver: 'wol' });
    expect(await registry.perform('sleep', node, ctx)).toMatchObject({ ok: true, driver: 'ssh' });
    expect(wolDriver.calls).toEqual(['wake']);
    expect(sshDriver.calls).toEqual(['sleep']);
  });

  it('names the missing driver when a node asks for one that is not installed', async () => {
    const registry = new PowerDriverRegistry([new FakeDriver('wol', ['wake'])]);
    const node = testNode({ name: 'gpu-7', driver: { wake: 'ipmi' } });
    const result = await registry.perform('wake', node, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('driver-not-available');
    expect(result.reason).toContain('"ipmi"');
    expect(result.reason).toContain('gpu-7');
    expect(result.reason).toContain('installed: wol');
  });

  it('refuses when the operator chose none, saying which setting to change', () => {
    const registry = new PowerDriverRegistry([new FakeDriver('wol', ['wake'])]);
    const resolved = registry.resolve('sleep', testNode({ driver: { sleep: 'none' } }));
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.error.message).toContain('driver.sleep = none');
  });

  it('refuses when the driver has no method for the action', () => {
    const registry = new PowerDriverRegistry([new FakeDriver('ssh', ['sleep', 'power-off'])]);
    const resolved = registry.resolve('power-off', testNode());
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.error.message).toContain('cannot power-off');
  });

  it('passes on the reason a driver gives for not supporting a node', () => {
    const registry = new PowerDriverRegistry([new FakeDriver('wol', [])]);
    const resolved = registry.resolve('wake', testNode());
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.error.message).toContain('no wake');
  });

  it('rejects two drivers with one name', () => {
    expect(() => new PowerDriverRegistry([new FakeDriver('wol', []), new FakeDriver('wol', [])])).toThrow('"wol"');
  });
});
