import type { ServiceStore } from '@somnus/persistence';
import { loadKubeConfig, SERVICE_STORE, ServiceDescriptor, serviceModule } from '@somnus/runtime';
import { ACTIVITY_READER, ActivityReader, SshActivityReader } from './activity/ssh-activity.reader';
import { BackgroundTasks } from './background-tasks';
import { CLOCK, Clock, systemClock } from '@somnus/runtime';
import { LIFECYCLE_CONFIG, loadLifecycleConfig } from './config/lifecycle.config';
import { DrainNodeHandler } from './drain/drain-node.handler';
import { DrainNodeUseCase } from './drain/drain-node.use-case';
import { IdleMonitor } from './idle/idle-monitor';
import { CLUSTER, ClusterPort } from './kubernetes/cluster.port';
import { KubernetesClusterAdapter } from './kubernetes/kubernetes-cluster.adapter';
import { NodeStatesHandler } from './node-state/node-states.handler';
import { NODE_STATES, type NodeStatesRepository, SqlNodeStatesRepository } from './node-state/node-states.repository';
import { REACHABILITY, tcpReachability } from './node-state/tcp-reachability';
import { TransitionRecorder } from './node-state/transition-recorder';
import { lifecycleMigrations } from './persistence/migrations';
import { NodeHistoryEntity } from './persistence/node-history.entity';
import { NodeStateEntity } from './persistence/node-state.entity';
import { PowerEventsHandler } from './power-events/power-events.handler';

/** Owns each node's lifecycle state machine, safety checks, idle detection and drains. */
export class LifecycleModule {}

export interface LifecycleServiceOptions {
  /** Where the LIFECYCLE_* variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Replaces the Kubernetes adapter (null: no orchestrator). */
  cluster?: ClusterPort | null;
  activityReader?: ActivityReader;
}

/** The lifecycle service with its adapters chosen by configuration, or replaced (tests). */
export function createLifecycleService(options: LifecycleServiceOptions = {}): ServiceDescriptor {
  return {
    name: 'lifecycle',
    entities: [NodeStateEntity, NodeHistoryEntity],
    migrations: lifecycleMigrations,
    module: (infrastructure) => {
      const config = loadLifecycleConfig(options.env ?? process.env);
      const kubeConfig = options.cluster === undefined ? loadKubeConfig(infrastructure.config) : undefined;
      const cluster = options.cluster !== undefined ? options.cluster : kubeConfig ? new KubernetesClusterAdapter(kubeConfig) : null;
      const activityReader = options.activityReader ?? new SshActivityReader(infrastructure.config.sshKeyDir, config.sshTimeoutMs);
      return serviceModule(LifecycleModule, infrastructure, {
        providers: [
          { provide: LIFECYCLE_CONFIG, useValue: config },
          { provide: CLOCK, useValue: options.clock ?? systemClock },
          { provide: CLUSTER, useValue: cluster },
          { provide: ACTIVITY_READER, useValue: activityReader },
          { provide: REACHABILITY, useValue: tcpReachability },
          { provide: NODE_STATES, useFactory: (store: ServiceStore) => new SqlNodeStatesRepository(store.dataSource.manager), inject: [SERVICE_STORE] },
          { provide: TransitionRecorder, useFactory: (nodes: NodeStatesRepository) => new TransitionRecorder(nodes), inject: [NODE_STATES] },
          BackgroundTasks,
          NodeStatesHandler,
          PowerEventsHandler,
          DrainNodeUseCase,
          DrainNodeHandler,
          IdleMonitor,
        ],
      });
    },
  };
}

export const lifecycleService: ServiceDescriptor = createLifecycleService();
