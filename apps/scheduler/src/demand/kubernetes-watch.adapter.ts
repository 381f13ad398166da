import { CoreV1Api, KubeConfig, ListWatch, Watch, type KubernetesObject, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { isNodeBound, isUnschedulable, podKey } from './pod-demand';

export interface KubernetesWatchOptions {
  backoffMs: number;
  backoffMaxMs: number;
  /** A pod just turned Unschedulable (or was first seen so): the fast path to a decision. */
  onUnschedulable: (pod: V1Pod) => void;
  /** Anything else changed (pods bound or gone, nodes ready or not): worth a decision, not urgently. */
  onChange: () => void;
  log: (message: string) => void;
}

/**
 * Pods and nodes through the Kubernetes API, kept current by two ListWatches. A watch that fails (API down,
 * 410 Gone handled by the ListWatch itself) is restarted with exponential backoff, reset once it runs again.
 */
export class KubernetesWatch {
  private pods?: ListWatch<V1Pod>;
  private nodes?: ListWatch<V1Node>;
  private readonly unschedulable = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: KubernetesWatchOptions,
  ) {}

  /** Starts both watches; resolves once the nodes are listed, so no pod is judged against an empty fleet. */
  async start(): Promise<void> {
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const watch = new Watch(this.kubeConfig);
    this.nodes = new ListWatch<V1Node>('/api/v1/nodes', watch, () => core.listNode(), false);
    this.nodes.on('add', () => this.options.onChange());
    this.nodes.on('update', () => this.options.onChange());
    this.nodes.on('delete', () => this.options.onChange());
    this.restartOnError(this.nodes, 'nodes');
    this.pods = new ListWatch<V1Pod>('/api/v1/pods', watch, () => core.listPodForAllNamespaces(), false);
    this.pods.on('add', (pod) => this.podChanged(pod));
    this.pods.on('update', (pod) => this.podChanged(pod));
    this.pods.on('delete', (pod) => {
      this.unschedulable.delete(podKey(pod));
      this.options.onChange();
    });
    this.restartOnError(this.pods, 'pods');
    await this.begin(this.nodes, 'nodes');
    await this.begin(this.pods, 'pods');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.pods?.stop();
    await this.nodes?.stop();
  }

  podList(): readonly V1Pod[] {
    return this.pods?.list() ?? [];
  }

  nodeList(): readonly V1Node[] {
    return this.nodes?.list() ?? [];
  }

  private podChanged(pod: V1Pod): void {
    const key = podKey(pod);
    if (isUnschedulable(pod) && !isNodeBound(pod)) {
      if (!this.unschedulable.has(key)) {
        this.unschedulable.add(key);
        this.options.onUnschedulable(pod);
        return;
      }
    } else this.unschedulable.delete(key);
    this.options.onChange();
  }

  private async begin<T extends KubernetesObject>(informer: ListWatch<T>, what: string): Promise<void> {
    try {
      await informer.start();
    } catch (error) {
      // start() rejects when the list itself fails before the error callbacks run: retry the same way.
      this.options.log(`${what} watch could not start: ${describe(error)}`);
      this.retry(informer, what, 1);
    }
  }

  private readonly attempts = new Map<string, number>();

  private restartOnError<T extends KubernetesObject>(informer: ListWatch<T>, what: string): void {
    // Objects arriving mean the list and watch work again: the next failure starts the backoff afresh.
    informer.on('add', () => this.attempts.set(what, 0));
    informer.on('update', () => this.attempts.set(what, 0));
    informer.on('error', (error: unknown) => {
      const attempt = (this.attempts.get(what) ?? 0) + 1;
      this.attempts.set(what, attempt);
      this.options.log(`${what} watch failed (${describe(error)}); restarting, attempt ${attempt}`);
      this.retry(informer, what, attempt);
    });
  }

  private retry<T extends KubernetesObject>(informer: ListWatch<T>, what: string, attempt: number): void {
    if (this.stopped) return;
    const delay = Math.min(this.options.backoffMaxMs, this.options.backoffMs * 2 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      informer.start().catch((error: unknown) => {
        this.options.log(`${what} watch could not restart: ${describe(error)}`);
        this.retry(informer, what, attempt + 1);
      });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
