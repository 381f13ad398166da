import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { cpuCores, memoryMiB, movablePods, observeNode, podFacts } from './kube-facts';

describe('Kubernetes facts', () => {
  it('reads quantities as cores and MiB', () => {
    expect(cpuCores('500m')).toBe(0.5);
    expect(cpuCores('2')).toBe(2);
    expect(memoryMiB('1Gi')).toBe(1024);
    expect(memoryMiB('512Mi')).toBe(512);
    expect(memoryMiB('1048576')).toBe(1);
    expect(cpuCores('nonsense')).toBe(0);
  });

  it('maps a pod with its owners, volumes and summed requests', () => {
    const pod: V1Pod = {
      metadata: { name: 'web-1', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u' }] },
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '250m', memory: '128Mi' } } },
          { name: 'b', resources: { requests: { cpu: '1', memory: '1Gi' } } },
        ],
        volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }],
      },
      status: { phase: 'Running' },
    };
    expect(podFacts(pod)).toMatchObject({ name: 'web-1', namespace: 'shop', ownerKinds: ['ReplicaSet'], volumes: ['emptyDir', 'other'], phase: 'Running', requests: { cpu: 1.25, memoryMiB: 1152 } });
  });

  it('DaemonSet, mirror and finished pods are not movable', () => {
    const base = { namespace: 'n', labels: {}, annotations: {}, volumes: [], requests: { cpu: 0, memoryMiB: 0 } };
    const pods = [
      { ...base, name: 'ds', ownerKinds: ['DaemonSet'], phase: 'Running' as const },
      { ...base, name: 'mirror', ownerKinds: [], annotations: { 'kubernetes.io/config.mirror': 'x' }, phase: 'Running' as const },
      { ...base, name: 'done', ownerKinds: ['Job'], phase: 'Succeeded' as const },
      { ...base, name: 'web', ownerKinds: ['ReplicaSet'], phase: 'Running' as const },
    ];
    expect(movablePods(pods).map((p) => p.name)).toEqual(['web']);
  });

  it('observes Ready and the unreachable taint', () => {
    const node: V1Node = {
      spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }], unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
    };
    expect(observeNode(node)).toEqual({ ready: 'Unknown', unreachable: true, unschedulable: true });
    expect(observeNode({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })).toEqual({ ready: 'True', unreachable: false, unschedulable: false });
  });
});
