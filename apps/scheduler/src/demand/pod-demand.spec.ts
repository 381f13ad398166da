import type { V1Pod } from '@kubernetes/client-node';
import { allocationByNode, isUnschedulable, parseQuantity, pendingWorkloadOf, podRequests } from './pod-demand';

function pod(overrides: { name?: string; nodeName?: string; phase?: string; requests?: Record<string, string>; unschedulable?: boolean } & Partial<V1Pod['spec']> = {}, meta: V1Pod['metadata'] = {}): V1Pod {
  const { name = 'web-1', nodeName, phase = 'Pending', requests = { cpu: '500m', memory: '256Mi' }, unschedulable = true, ...spec } = overrides;
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: new Date('2025-01-20T08:00:00Z'), ...meta },
    spec: { containers: [{ name: 'main', resources: { requests } }], nodeName, ...spec },
    status: {
      phase,
      conditions: unschedulable ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] : [],
    },
  };
}

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['1Gi', 2 ** 30],
    ['256Mi', 256 * 2 ** 20],
    ['1G', 1e9],
    ['128974848', 128974848],
    ['1e3', 1000],
  ])('%s is %d', (q, n) => expect(parseQuantity(q)).toBeCloseTo(n));

  it('answers NaN for nonsense, 0 for nothing', () => {
    expect(parseQuantity('lots')).toBeNaN();
    expect(parseQuantity(undefined)).toBe(0);
  });
});

describe('pod -> demand', () => {
  it('a Pending pod with PodScheduled=False reason=Unschedulable is demand; a bound or merely pending one is not', () => {
    expect(isUnschedulable(pod())).toBe(true);
    expect(isUnschedulable(pod({ unschedulable: false }))).toBe(false);
    expect(isUnschedulable(pod({ nodeName: 'n1', phase: 'Running', unschedulable: false }))).toBe(false);
  });

  it('maps requests, selector, tolerations and priority', () => {
    const p = pod({
      requests: { cpu: '6', memory: '8Gi', 'nvidia.com/gpu': '1' },
      nodeSelector: { 'somnus.io/class': 'gpu' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      priority: 1000,
    });
    expect(pendingWorkloadOf(p, 0)).toEqual({
      id: 'uid-web-1',
      requests: { cpu: 6, memoryMiB: 8192, gpu: 1 },
      submittedAt: Date.parse('2025-01-20T08:00:00Z'),
      nodeSelector: { 'somnus.io/class': 'gpu' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', value: undefined, effect: 'NoSchedule' }],
      priority: 1000,
    });
  });

  it('counts init containers by their largest, limits when there are no requests, and overhead', () => {
    const p: V1Pod = {
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' } } },
          { name: 'b', resources: { limits: { cpu: '500m', memory: '512Mi' } } },
        ],
        initContainers: [{ name: 'init', resources: { requests: { cpu: '4', memory: '256Mi' } } }],
        overhead: { cpu: '100m' },
      },
    };
    const r = podRequests(p);
    expect(r.cpu).toBeCloseTo(4.1);
    expect(r.memoryMiB).toBeCloseTo(1536);
  });

  it('adds running pods to their node; DaemonSet and mirror pods take room but do not make the node busy', () => {
    const running = pod({ name: 'app', nodeName: 'n1', phase: 'Running', unschedulable: false, requests: { cpu: '2', memory: '1Gi' } });
    const daemon = pod({ name: 'exporter', nodeName: 'n1', phase: 'Running', unschedulable: false, requests: { cpu: '100m', memory: '64Mi' } }, {
      name: 'exporter',
      uid: 'uid-exporter',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-exporter', uid: 'x' }],
    });
    const done = pod({ name: 'job', nodeName: 'n1', phase: 'Succeeded', unschedulable: false, requests: { cpu: '8' } });
    const local = pod({ name: 'cache', nodeName: 'n2', phase: 'Running', unschedulable: false, volumes: [{ name: 'scratch', emptyDir: {} }] });
    const byNode = allocationByNode([running, daemon, done, local]);
    expect(byNode.get('n1')!.allocated.cpu).toBeCloseTo(2.1);
    expect(byNode.get('n1')!.workloads).toBe(1);
    expect(byNode.get('n1')!.workloadsMovable).toBe(true);
    expect(byNode.get('n2')!.workloadsMovable).toBe(false);
    expect(byNode.has('n3')).toBe(false);
  });
});
