import { filterNode, unschedulableMessage } from './binder';
import { KubeNode, KubePod, parseQuantity } from './kube-objects';

const node = (overrides: Partial<KubeNode['spec']> = {}, ready = true): KubeNode => ({
  metadata: { name: 'n1', labels: { pool: 'a' } },
  spec: overrides,
  status: { capacity: {}, allocatable: { cpu: '4', memory: '8Gi' }, conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }], addresses: [] },
});
const pod = (cpu: string, spec: Partial<KubePod['spec']> = {}): KubePod => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu, memory: '1Gi' } } }], ...spec },
  status: {},
});
const empty = { cpu: 0, memory: 0, gpu: 0, pods: 0 };

describe('binder filters', () => {
  it('fits a pod on a Ready node with room', () => {
    expect(filterNode(pod('2'), node(), empty, 110)).toEqual([]);
  });
  it('reports each reason in kube-scheduler words', () => {
    expect(filterNode(pod('2'), node({ unschedulable: true }), empty, 110)).toEqual(['node(s) were unschedulable']);
    expect(filterNode(pod('2'), node({}, false), empty, 110)).toEqual(['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
    expect(filterNode(pod('2', { nodeSelector: { pool: 'b' } }), node(), empty, 110)).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
    expect(filterNode(pod('3'), node(), { ...empty, cpu: 2, memory: 8 * 2 ** 30 }, 110)).toEqual(['Insufficient cpu', 'Insufficient memory']);
  });
  it('lets a toleration through a taint', () => {
    const tainted = node({ taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] });
    expect(filterNode(pod('1'), tainted, empty, 110)).toEqual(['node(s) had untolerated taint {gpu: yes}']);
    expect(filterNode(pod('1', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }] }), tainted, empty, 110)).toEqual([]);
  });
  it('summarises reasons sorted, as the scheduler does', () => {
    expect(unschedulableMessage(3, [['Insufficient cpu'], ['Insufficient cpu', 'Insufficient memory'], ['node(s) were unschedulable']])).toBe(
      '0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });
});

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000],
  ])('%s is %d', (quantity, value) => expect(parseQuantity(quantity)).toBe(value));
  it('names a malformed quantity', () => expect(() => parseQuantity('lots')).toThrow(/"lots"/));
});
