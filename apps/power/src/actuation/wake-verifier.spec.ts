import { HostKeyMismatchError, SshUnreachableError } from '../drivers/ssh-errors';
import { testNode } from '../drivers/testing/test-node';
import { FakeClock } from '@somnus/testing';
import { WakeVerifier, wakeTimeoutMs } from './wake-verifier';

const ssh = { host: '10.0.1.17', port: 2222, user: 'somnus', hostKeySha256: `SHA256:${'A'.repeat(43)}` };
const profile = { idleWatts: 100, peakWatts: 200, sleepWatts: 5, bootSeconds: 40, suspendSeconds: 5 };

/** A node whose port opens `upAfterMs` after the verification starts. */
function bootingNode(clock: FakeClock, upAfterMs: number) {
  const start = clock.now();
  const probes: Array<[string, number]> = [];
  const probe = async (host: string, port: number) => {
    probes.push([host, port]);
    return clock.now() - start >= upAfterMs;
  };
  return { probe, probes };
}

describe('wakeTimeoutMs', () => {
  it('scales with the boot time in the power profile, within bounds', () => {
    expect(wakeTimeoutMs(testNode({ powerProfile: profile }))).toBe(120_000);
    expect(wakeTimeoutMs(testNode({ powerProfile: { ...profile, bootSeconds: 1 } }))).toBe(30_000);
    expect(wakeTimeoutMs(testNode({ powerProfile: { ...profile, bootSeconds: 3600 } }))).toBe(900_000);
    expect(wakeTimeoutMs(testNode())).toBe(180_000);
  });
});

describe('WakeVerifier', () => {
  it('polls the SSH port until it answers', async () => {
    const clock = new FakeClock();
    const { probe, probes } = bootingNode(clock, 7_000);
    const verifier = new WakeVerifier({ clock, tcpProbe: probe }, { pollIntervalMs: 2_000 });
    const result = await verifier.verify(testNode({ ssh }));
    expect(result).toEqual({ verified: true, verifiedBy: ['tcp'], elapsedMs: 8_000 });
    expect(probes[0]).toEqual(['10.0.1.17', 2222]);
    expect(probes).toHaveLength(5);
  });

  it('gives up at the per-node deadline with the stage it was stuck at', async () => {
    const clock = new FakeClock();
    const { probe } = bootingNode(clock, Number.POSITIVE_INFINITY);
    const verifier = new WakeVerifier({ clock, tcpProbe: probe }, { pollIntervalMs: 7_000 });
    const result = await verifier.verify(testNode({ name: 'gpu-3', ip: '10.0.0.3', powerProfile: { ...profile, bootSeconds: 10 } }));
    expect(result).toMatchObject({ verified: false, stage: 'tcp', permanent: false, elapsedMs: 30_000 });
    if (!result.verified) expect(result.reason).toContain('gpu-3 was not verified awake within 30 s');
    // It never sleeps past the deadline.
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
  });

  it('then requires the pinned SSH handshake and Kubernetes Ready', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const handshakes: string[] = [];
    const verifier = new WakeVerifier(
      {
        clock,
        tcpProbe: async () => true,
        sshHandshake: async (node) => {
          handshakes.push(node.name);
          if (handshakes.length < 2) throw new SshUnreachableError(node.name, 'x', 'sshd still starting');
        },
        isKubernetesReady: async (name) => name === 'k8s-node-a' && clock.now() - start >= 10_000,
      },
      { pollIntervalMs: 1_000 },
    );
    const result = await verifier.verify(testNode({ ssh, kubernetesNodeName: 'k8s-node-a' }));
    expect(result).toEqual({ verified: true, verifiedBy: ['tcp', 'ssh', 'kubernetes'], elapsedMs: 10_000 });
    expect(handshakes).toHaveLength(2);
  });

  it('stops at once on a host key mismatch: waiting cannot fix it', async () => {
    const clock = new FakeClock();
    const mismatch = new HostKeyMismatchError('node-a', 'SHA256:expected', 'SHA256:actual');
    const verifier = new WakeVerifier({
      clock,
      tcpProbe: async () => true,
      sshHandshake: async () => Promise.reject(mismatch),
    });
    const result = await verifier.verify(testNode({ ssh }));
    expect(result).toMatchObject({ verified: false, stage: 'ssh', permanent: true, error: mismatch, elapsedMs: 0 });
  });

  it('reports a Kubernetes node that never turns Ready', async () => {
    const clock = new FakeClock();
    const verifier = new WakeVerifier({ clock, tcpProbe: async () => true, isKubernetesReady: async () => false }, { defaultTimeoutMs: 60_000 });
    const result = await verifier.verify(testNode({ kubernetesNodeName: 'worker-1' }));
    expect(result).toMatchObject({ verified: false, stage: 'kubernetes' });
    if (!result.verified) expect(result.reason).toContain('worker-1 is not Ready');
  });

  it('cannot verify a node with no address', async () => {
    const verifier = new WakeVerifier({ clock: new FakeClock(), tcpProbe: async () => true });
    expect(await verifier.verify(testNode({ ip: undefined }))).toMatchObject({ verified: false, permanent: true });
  });
});
