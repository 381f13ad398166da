import { NodeIdle, NodeTransitioned } from '@somnus/contracts';
import { catalogueNode, FakeClock, FakeTransactions } from '@somnus/testing';
import { loadLifecycleConfig } from '../config/lifecycle.config';
import { TransitionRecorder } from '../node-state/transition-recorder';
import { FakeActivityReader, FakeCluster, FakeNodeStates, nodeState, pod } from '../testing/fakes';
import { IdleMonitor } from './idle-monitor';

const MINUTE = 60_000;
const SSH = { host: '127.0.0.1', port: 2201, user: 'somnus', keyRef: 'n3.key', hostKeySha256: `SHA256:${'A'.repeat(43)}` };

function setup() {
  const clock = new FakeClock();
  const config = loadLifecycleConfig({ LIFECYCLE_IDLE_GRACE_PERIOD_MS: String(10 * MINUTE), LIFECYCLE_SAMPLE_INTERVAL_MS: String(MINUTE) });
  const quiet = catalogueNode('n1', { kubernetesNodeName: 'k-n1' });
  const fresh = catalogueNode('n2', { kubernetesNodeName: 'k-n2' });
  const viaSsh = catalogueNode('n3', { ssh: SSH });
  const blind = catalogueNode('n4');
  const nodes = new FakeNodeStates([nodeState(quiet, 'active'), nodeState(fresh, 'ready'), nodeState(viaSsh, 'active'), nodeState(blind, 'active')]);
  const cluster = new FakeCluster();
  const activity = new FakeActivityReader();
  const transactions = new FakeTransactions('somnus/lifecycle', () => clock.now());
  const monitor = new IdleMonitor(nodes, new TransitionRecorder(nodes), transactions, cluster, activity, config, clock);
  /** One sample round a minute, `minutes` times. */
  const sampleFor = async (minutes: number): Promise<void> => {
    for (let i = 0; i < minutes; i++) {
      await monitor.sampleAll();
      clock.advance(MINUTE);
    }
  };
  return { clock, nodes, cluster, activity, transactions, monitor, sampleFor, quiet, fresh, viaSsh, blind };
}

describe('IdleMonitor', () => {
  it('calls a quiet node idle only once the grace period has passed on the clock, and says since when', async () => {
    const { nodes, transactions, sampleFor, quiet, clock } = setup();
    const idleAt = clock.now() + 10 * MINUTE; // quiet from the first sample, plus the grace period
    await sampleFor(10); // samples at 0..9 min: quiet for 9 minutes
    expect(nodes.stateOf(quiet.id)).toBe('active');
    expect(transactions.ofType(NodeIdle)).toHaveLength(0);

    await sampleFor(1); // the sample at 10 min
    expect(nodes.stateOf(quiet.id)).toBe('idle');
    const idle = transactions.ofType(NodeIdle).filter((e) => e.data.nodeId === quiet.id);
    expect(idle.map((e) => e.data)).toEqual([{ nodeId: quiet.id, idleSince: new Date(idleAt).toISOString(), activity: { movableWorkloads: 0, cpuLoadPerCore: 0, networkBytesPerSecond: 0, sshSessions: 0 } }]);
    expect(transactions.ofType(NodeTransitioned).find((e) => e.data.nodeId === quiet.id)?.data.reason).toBe('no movable work and low activity for 10 min');
  });

  it('starts counting anew when work comes back before the grace period ends', async () => {
    const { nodes, cluster, sampleFor, quiet } = setup();
    await sampleFor(8);
    cluster.pods.set('k-n1', [pod('batch-1')]);
    await sampleFor(1);
    cluster.pods.set('k-n1', []);
    await sampleFor(9);
    expect(nodes.stateOf(quiet.id)).toBe('active');
    await sampleFor(2);
    expect(nodes.stateOf(quiet.id)).toBe('idle');
  });

  it('moves an idle node back to active when activity resumes', async () => {
    const { nodes, cluster, sampleFor, quiet, transactions } = setup();
    await sampleFor(11);
    expect(nodes.stateOf(quiet.id)).toBe('idle');
    cluster.pods.set('k-n1', [pod('web-1')]);
    await sampleFor(1);
    expect(nodes.stateOf(quiet.id)).toBe('active');
    const back = transactions.ofType(NodeTransitioned).filter((e) => e.data.nodeId === quiet.id && e.data.to === 'active');
    expect(back.map((e) => e.data.reason)).toEqual(['activity resumed: movableWorkloads 1 above 0']);
  });

  it('moves a ready node that work was placed on to active', async () => {
    const { nodes, cluster, sampleFor, fresh, transactions } = setup();
    cluster.pods.set('k-n2', [pod('web-2')]);
    await sampleFor(1);
    expect(nodes.stateOf(fresh.id)).toBe('active');
    expect(transactions.ofType(NodeTransitioned).find((e) => e.data.nodeId === fresh.id)?.data.reason).toBe('1 movable pod(s) placed on the node');
  });

  it('reads load over SSH: a busy machine never goes idle; one that cannot be read is skipped, not judged', async () => {
    const { nodes, activity, sampleFor, viaSsh, blind } = setup();
    let net = 0;
    activity.activity.set('n3', { load1: 6, netBytes: net, sshSessions: 0 });
    for (let minute = 0; minute < 15; minute++) {
      net += 1_000;
      activity.activity.set('n3', { load1: 6, netBytes: net, sshSessions: 0 });
      await sampleFor(1);
    }
    expect(nodes.stateOf(viaSsh.id)).toBe('active');
    expect(nodes.stateOf(blind.id)).toBe('active'); // nothing to observe: never idle blind

    activity.activity.delete('n3');
    await expect(sampleFor(15)).resolves.toBeUndefined();
    expect(nodes.stateOf(viaSsh.id)).toBe('active');
  });

  it('leaves a node alone when something else moved it meanwhile', async () => {
    const { nodes, sampleFor, quiet, transactions } = setup();
    await sampleFor(10);
    const row = nodes.rows.get(quiet.id);
    if (row) row.state = 'maintenance';
    await sampleFor(5);
    expect(nodes.stateOf(quiet.id)).toBe('maintenance');
    expect(transactions.ofType(NodeIdle).filter((e) => e.data.nodeId === quiet.id)).toHaveLength(0);
  });
});
