import { KubePod } from './kube-objects';

/** Annotation carrying a simulated pod's run time; the simulator completes the pod that long after it binds. */
export const RUN_SECONDS_ANNOTATION = 'fleet-sim.somnus.io/run-seconds';

/** One unit of work arriving at the simulated cluster, in simulated seconds from the start of the run. */
export interface PodArrival {
  atSeconds: number;
  name: string;
  namespace: string;
  /** Requested cores. */
  cpu: number;
  memoryMiB: number;
  runSeconds: number;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The pod a workload arrival becomes: owned by a Job (so an eviction before it finishes brings it back pending),
 * with cpu and memory requests, completing after its run time.
 */
export function podForArrival(arrival: PodArrival): KubePod {
  const cpuMillis = Math.max(1, Math.round(arrival.cpu * 1000));
  return {
    metadata: {
      name: arrival.name,
      namespace: arrival.namespace,
      labels: { app: 'fleet-sim-workload', 'job-name': arrival.name, ...arrival.labels },
      annotations: { [RUN_SECONDS_ANNOTATION]: String(arrival.runSeconds), ...arrival.annotations },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: arrival.name, uid: `job-${arrival.name}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      restartPolicy: 'Never',
      nodeSelector: arrival.nodeSelector,
      containers: [
        {
          name: 'work',
          image: 'registry.k8s.io/pause:3.9',
          resources: { requests: { cpu: `${cpuMillis}m`, memory: `${Math.max(1, Math.round(arrival.memoryMiB))}Mi` } },
        },
      ],
    },
    status: { phase: 'Pending' },
  };
}
