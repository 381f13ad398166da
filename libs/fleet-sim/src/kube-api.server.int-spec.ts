import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, PolicyV1Api, setHeaderOptions, V1Pod, Watch } from '@kubernetes/client-node';
import { Binder } from './binder';
import { KubeApiServer } from './kube-api.server';
import { KubeCluster } from './kube-cluster';
import { KubeNode } from './kube-objects';

jest.setTimeout(20000);

function node(name: string, ready: boolean, cpu = '4', labels: Record<string, string> = {}): KubeNode {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: {
      capacity: { cpu, memory: '8192Mi', pods: '110' },
      allocatable: { cpu, memory: '8192Mi', pods: '110' },
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    },
  };
}

function pod(name: string, cpu: string, extra: Partial<V1Pod['spec']> = {}, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'pause', resources: { requests: { cpu, memory: '256Mi' } } }], ...extra } };
}

/** Polls until `check` returns a value (bounded: 100 tries, 20 ms apart). */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('simulated Kubernetes API through @kubernetes/client-node', () => {
  const cluster = new KubeCluster();
  const server = new KubeApiServer(cluster);
  const binder = new Binder(cluster);
  let core: CoreV1Api;
  let policy: PolicyV1Api;
  let kubeConfig: KubeConfig;

  beforeAll(async () => {
    cluster.addNode(node('worker-1', true, '4', { pool: 'general' }));
    cluster.addNode(node('worker-2', true, '4', { pool: 'general' }));
    cluster.addNode(node('sleeper', false, '16', { pool: 'big' }));
    await server.start();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    core = kubeConfig.makeApiClient(CoreV1Api);
    policy = kubeConfig.makeApiClient(PolicyV1Api);
    binder.start();
  });
  afterAll(async () => {
    binder.stop();
    await server.stop();
  });

  it('lists and reads nodes with their Ready condition', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((item) => item.metadata?.name).sort()).toEqual(['sleeper', 'worker-1', 'worker-2']);
    expect(Number(nodes.metadata?.resourceVersion)).toBeGreaterThan(0);
    const sleeper = await core.readNode({ name: 'sleeper' });
    expect(sleeper.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('Unknown');
  });

  it('answers 404 with a Status body for an unknown node', async () => {
    const failure = await core.readNode({ name: 'nope' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiException);
    expect((failure as ApiException<string>).code).toBe(404);
  });

  it('creates a pod that the binder places on a Ready node, and lists it', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('small', '500m') });
    const placed = await eventually(async () => {
      const current = await core.readNamespacedPod({ namespace: 'default', name: 'small' });
      return current.spec?.nodeName ? current : undefined;
    }, 'the pod to be bound');
    expect(['worker-1', 'worker-2']).toContain(placed.spec?.nodeName);
    expect(placed.status?.phase).toBe('Running');
    const all = await core.listPodForAllNamespaces();
    expect(all.items.some((item) => item.metadata?.name === 'small')).toBe(true);
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${placed.spec?.nodeName}` });
    expect(onNode.items.map((item) => item.metadata?.name)).toContain('small');
  });

  it('marks a pod that fits nowhere Unschedulable as kube-scheduler does, and binds it once a node is Ready', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('big', '8') });
    const condition = await eventually(async () => {
      const current = await core.readNamespacedPod({ namespace: 'default', name: 'big' });
      return current.status?.conditions?.find((item) => item.type === 'PodScheduled' && item.status === 'False');
    }, 'the PodScheduled=False condition');
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );

    cluster.updateNode('sleeper', (current) => ({ ...current, status: { ...current.status, conditions: [{ type: 'Ready', status: 'True' }] } }));
    const placed = await eventually(async () => (await core.readNamespacedPod({ namespace: 'default', name: 'big' })).spec?.nodeName, 'the pod to be bound');
    expect(placed).toBe('sleeper');
  });

  it('respects node selectors', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('picky', '100m', { nodeSelector: { pool: 'nowhere' } }) });
    const condition = await eventually(async () => {
      const current = await core.readNamespacedPod({ namespace: 'default', name: 'picky' });
      return current.status?.conditions?.find((item) => item.reason === 'Unschedulable');
    }, 'the Unschedulable condition');
    expect(condition.message).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\./);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'picky' });
  });

  it('cordons and uncordons a node through merge, strategic-merge and JSON patches', async () => {
    const patched = await core.patchNode({ name: 'worker-1', body: { spec: { unschedulable: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(patched.spec?.unschedulable).toBe(true);
    expect(patched.spec?.taints?.map((taint) => taint.key)).toContain('node.kubernetes.io/unschedulable');
    const strategic = await core.patchNode({ name: 'worker-2', body: { metadata: { labels: { cordon: 'test' } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    expect(strategic.metadata?.labels?.cordon).toBe('test');
    const jsonPatched = await core.patchNode({ name: 'worker-1', body: [{ op: 'replace', path: '/spec/unschedulable', value: false }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    expect(jsonPatched.spec?.unschedulable).toBe(false);
    expect(jsonPatched.spec?.taints ?? []).toEqual([]);
  });

  it('streams pod changes to a Watch, resuming from a resourceVersion', async () => {
    const list = await core.listPodForAllNamespaces();
    const events: Array<{ type: string; name: string | undefined }> = [];
    const controller = await new Watch(kubeConfig).watch(
      '/api/v1/pods',
      { resourceVersion: list.metadata?.resourceVersion },
      (type: string, object: V1Pod) => events.push({ type, name: object.metadata?.name }),
      () => undefined,
    );
    try {
      await core.createNamespacedPod({ namespace: 'team-a', body: pod('watched', '100m') });
      await eventually(() => (events.some((event) => event.type === 'MODIFIED' && event.name === 'watched') ? true : undefined), 'the binding to be watched');
      await core.deleteNamespacedPod({ namespace: 'team-a', name: 'watched' });
      await eventually(() => (events.some((event) => event.type === 'DELETED' && event.name === 'watched') ? true : undefined), 'the deletion to be watched');
      expect(events.filter((event) => event.name === 'watched').map((event) => event.type)[0]).toBe('ADDED');
    } finally {
      controller.abort();
    }
  });

  it('starts a watch without resourceVersion with the current objects as ADDED', async () => {
    const events: string[] = [];
    const controller = await new Watch(kubeConfig).watch('/api/v1/nodes', {}, (type: string, object: { metadata?: { name?: string } }) => events.push(`${type} ${object.metadata?.name}`), () => undefined);
    try {
      await eventually(() => (events.length >= 3 ? true : undefined), 'the initial nodes');
      expect(events.sort()).toEqual(['ADDED sleeper', 'ADDED worker-1', 'ADDED worker-2']);
    } finally {
      controller.abort();
    }
  });

  it('refuses an eviction a PodDisruptionBudget forbids with 429, and allows it once the budget permits', async () => {
    await core.createNamespacedPod({ namespace: 'shop', body: pod('db-0', '100m', {}, { app: 'db' }) });
    await eventually(async () => (await core.readNamespacedPod({ namespace: 'shop', name: 'db-0' })).spec?.nodeName, 'db-0 to run');
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'shop',
      body: { metadata: { name: 'db-budget' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } },
    });
    const budgets = await policy.listPodDisruptionBudgetForAllNamespaces();
    expect(budgets.items[0]?.status).toMatchObject({ currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 1 });

    const refusal = await core
      .createNamespacedPodEviction({ namespace: 'shop', name: 'db-0', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-0', namespace: 'shop' } } })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiException);
    expect((refusal as ApiException<string>).code).toBe(429);
    const status = JSON.parse((refusal as ApiException<string>).body) as { reason: string; details: { causes: Array<{ reason: string }> } };
    expect(status.reason).toBe('TooManyRequests');
    expect(status.details.causes[0]?.reason).toBe('DisruptionBudget');

    await core.createNamespacedPod({ namespace: 'shop', body: pod('db-1', '100m', {}, { app: 'db' }) });
    await eventually(async () => (await core.readNamespacedPod({ namespace: 'shop', name: 'db-1' })).spec?.nodeName, 'db-1 to run');
    await core.createNamespacedPodEviction({ namespace: 'shop', name: 'db-0', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-0', namespace: 'shop' } } });
    const left = await core.listNamespacedPod({ namespace: 'shop' });
    expect(left.items.map((item) => item.metadata?.name)).toEqual(['db-1']);
  });

  it('recreates an evicted ReplicaSet pod as pending so it lands elsewhere', async () => {
    const owned = pod('web-abcde', '100m', {}, { app: 'web' });
    owned.metadata!.generateName = 'web-';
    owned.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-web', controller: true }];
    await core.createNamespacedPod({ namespace: 'default', body: owned });
    await eventually(async () => (await core.readNamespacedPod({ namespace: 'default', name: 'web-abcde' })).spec?.nodeName, 'web to run');
    await core.createNamespacedPodEviction({ namespace: 'default', name: 'web-abcde', body: { metadata: { name: 'web-abcde', namespace: 'default' } } });
    const replacement = await eventually(async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
      return pods.items.find((item) => item.metadata?.name !== 'web-abcde' && item.spec?.nodeName);
    }, 'the replacement to be bound');
    expect(replacement.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
  });
});
