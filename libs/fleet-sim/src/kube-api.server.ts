import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { ClusterChange, ClusterObject, ClusterResource, KubeApiError, KubeCluster } from './kube-cluster';
import { KubeNode, KubePod, KubePodDisruptionBudget, kubeStatus, KubeStatus } from './kube-objects';
import { applyPatch } from './kube-patch';
import { fieldOf, parseFieldSelector, parseLabelSelector, Selector } from './kube-selectors';

export interface KubeApiServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bearer token written into the kubeconfig; the simulator accepts any token (or none). */
  token?: string;
}

/** Settings for `KubeConfig.loadFromOptions` of @kubernetes/client-node. */
export interface KubeConfigOptions {
  clusters: Array<{ name: string; server: string; skipTLSVerify: boolean }>;
  users: Array<{ name: string; token: string }>;
  contexts: Array<{ name: string; cluster: string; user: string; namespace: string }>;
  currentContext: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
const KINDS: Record<ClusterResource, { kind: string; apiVersion: string }> = {
  nodes: { kind: 'Node', apiVersion: 'v1' },
  pods: { kind: 'Pod', apiVersion: 'v1' },
  poddisruptionbudgets: { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1' },
};

interface Route {
  resource: ClusterResource | 'eviction' | 'namespaces';
  namespace?: string;
  name?: string;
}

/** Which resource a path names, for the paths the simulator serves. */
function route(path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean);
  const [root, second, third, ...rest] = parts;
  let scoped: string[];
  if (root === 'api' && second === 'v1') scoped = [third, ...rest].filter((part) => part !== undefined);
  else if (root === 'apis' && second === 'policy' && third === 'v1') scoped = rest;
  else return undefined;
  const resourceOf = (name: string | undefined): ClusterResource | undefined =>
    name === 'nodes' || name === 'pods' || name === 'poddisruptionbudgets' ? name : undefined;
  const isPolicy = root === 'apis';
  const allowed = (resource: ClusterResource | undefined): resource is ClusterResource =>
    resource !== undefined && (resource === 'poddisruptionbudgets') === isPolicy;

  if (scoped[0] === 'namespaces' && scoped.length >= 3) {
    const resource = resourceOf(scoped[2]);
    if (!allowed(resource) || resource === 'nodes') return undefined;
    if (scoped.length === 3) return { resource, namespace: scoped[1] };
    if (scoped.length === 4) return { resource, namespace: scoped[1], name: scoped[3] };
    if (scoped.length === 5 && resource === 'pods' && scoped[4] === 'eviction') return { resource: 'eviction', namespace: scoped[1], name: scoped[3] };
    if (scoped.length === 5 && resource === 'pods' && scoped[4] === 'status') return { resource, namespace: scoped[1], name: scoped[3] };
    return undefined;
  }
  if (scoped[0] === 'namespaces' && scoped.length === 1 && !isPolicy) return { resource: 'namespaces' };
  const resource = resourceOf(scoped[0]);
  if (!allowed(resource)) return undefined;
  if (scoped.length === 1) return { resource };
  if (scoped.length === 2 && resource === 'nodes') return { resource, name: scoped[1] };
  if (scoped.length === 3 && resource === 'nodes' && scoped[2] === 'status') return { resource, name: scoped[1] };
  return undefined;
}

function withKind<T extends ClusterObject>(resource: ClusterResource, object: T): T {
  return { ...KINDS[resource], ...object };
}

/**
 * The simulated Kubernetes API over plain HTTP: enough of core/v1 and policy/v1 for @kubernetes/client-node
 * to list, get and watch nodes and pods, patch nodes (cordon), create and delete pods, list disruption
 * budgets and create evictions. Watches stream JSON lines and resume from a resourceVersion.
 */
export class KubeApiServer {
  private server: Server | undefined;
  private readonly watches = new Set<ServerResponse>();

  constructor(
    readonly cluster: KubeCluster,
    private readonly options: KubeApiServerOptions = {},
  ) {}

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address !== 'object') throw new Error('the simulated Kubernetes API is not listening; call start() first');
    return `http://${this.options.host ?? '127.0.0.1'}:${address.port}`;
  }

  get token(): string {
    return this.options.token ?? 'fleet-sim';
  }

  kubeConfigOptions(): KubeConfigOptions {
    return {
      clusters: [{ name: 'fleet-sim', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'somnus', token: this.token }],
      contexts: [{ name: 'fleet-sim', cluster: 'fleet-sim', user: 'somnus', namespace: 'default' }],
      currentContext: 'fleet-sim',
    };
  }

  /** The same settings as a kubeconfig file (YAML is a superset of JSON, so JSON is written). */
  kubeconfig(): string {
    const options = this.kubeConfigOptions();
    return JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        // Plain HTTP on loopback: client-node refuses http:// unless TLS verification is explicitly off.
        clusters: options.clusters.map(({ name, server }) => ({ name, cluster: { server, 'insecure-skip-tls-verify': true } })),
        users: options.users.map(({ name, token }) => ({ name, user: { token } })),
        contexts: options.contexts.map(({ name, cluster, user, namespace }) => ({ name, context: { cluster, user, namespace } })),
        'current-context': options.currentContext,
      },
      null,
      2,
    );
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const watch of this.watches) watch.end();
    this.watches.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://fleet-sim');
      const method = request.method ?? 'GET';
      if (method === 'GET' && url.pathname === '/version') return this.send(response, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fleet-sim', platform: 'linux/amd64' });
      if (method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/livez')) {
        response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return;
      }
      const target = route(url.pathname);
      if (!target) throw new KubeApiError(kubeStatus(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
      const body = method === 'POST' || method === 'PATCH' || method === 'PUT' ? await this.readBody(request) : undefined;
      await this.dispatch(method, target, url.searchParams, body, request.headers['content-type'], response);
    } catch (error) {
      if (response.headersSent) {
        response.end();
        return;
      }
      const status: KubeStatus =
        error instanceof KubeApiError ? error.status : kubeStatus(500, 'InternalError', `the simulator failed: ${error instanceof Error ? error.message : String(error)}`);
      this.send(response, status.code, status);
    }
  }

  private async dispatch(method: string, target: Route, query: URLSearchParams, body: unknown, contentType: string | undefined, response: ServerResponse): Promise<void> {
    const cluster = this.cluster;
    const { namespace, name } = target;

    if (target.resource === 'namespaces') {
      if (method !== 'GET') throw this.methodNotAllowed(method);
      const names = new Set(['default', 'kube-system', ...cluster.listPods().map((pod) => pod.metadata.namespace ?? 'default')]);
      const items = [...names].sort().map((namespaceName) => ({ metadata: { name: namespaceName }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }));
      return this.send(response, 200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: cluster.resourceVersion }, items });
    }

    if (target.resource === 'eviction') {
      if (method !== 'POST') throw this.methodNotAllowed(method);
      const outcome = cluster.evictPod(namespace!, name!);
      if (!outcome.evicted) return this.send(response, outcome.status.code, outcome.status);
      return this.send(response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }

    const resource = target.resource;
    if (name === undefined) {
      if (method === 'GET') {
        const selectors = { labels: parseLabelSelector(query.get('labelSelector') ?? undefined), fields: parseFieldSelector(query.get('fieldSelector') ?? undefined) };
        const watch = query.get('watch');
        if (watch === 'true' || watch === '1') return this.watch(resource, namespace, selectors, query, response);
        return this.list(resource, namespace, selectors, response);
      }
      if (method === 'POST' && namespace !== undefined) {
        if (resource === 'pods') return this.send(response, 201, withKind('pods', cluster.createPod(this.expectObject<KubePod>(body), namespace)));
        if (resource === 'poddisruptionbudgets') {
          return this.send(response, 201, withKind('poddisruptionbudgets', cluster.createDisruptionBudget(this.expectObject<KubePodDisruptionBudget>(body), namespace)));
        }
      }
      throw this.methodNotAllowed(method);
    }

    switch (`${resource} ${method}`) {
      case 'nodes GET':
        return this.send(response, 200, withKind('nodes', cluster.getNode(name)));
      case 'nodes PATCH':
        return this.send(response, 200, withKind('nodes', cluster.updateNode(name, (node) => applyPatch(node, contentType, body))));
      case 'nodes PUT': {
        const replacement = this.expectObject<KubeNode>(body);
        return this.send(response, 200, withKind('nodes', cluster.updateNode(name, (node) => this.checkVersion(node, replacement))));
      }
      case 'pods GET':
        return this.send(response, 200, withKind('pods', cluster.getPod(namespace!, name)));
      case 'pods PATCH':
        return this.send(response, 200, withKind('pods', cluster.updatePod(namespace!, name, (pod) => applyPatch(pod, contentType, body))));
      case 'pods DELETE':
        return this.send(response, 200, withKind('pods', cluster.deletePod(namespace!, name).deleted));
      case 'poddisruptionbudgets GET':
        return this.send(response, 200, withKind('poddisruptionbudgets', cluster.getDisruptionBudget(namespace!, name)));
      case 'poddisruptionbudgets DELETE':
        return this.send(response, 200, withKind('poddisruptionbudgets', cluster.deleteDisruptionBudget(namespace!, name)));
      default:
        throw this.methodNotAllowed(method);
    }
  }

  /** Optimistic concurrency, as the API server applies it to a PUT that names a resourceVersion. */
  private checkVersion<T extends ClusterObject>(current: T, replacement: T): T {
    const expected = replacement.metadata.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) {
      throw new KubeApiError(
        kubeStatus(409, 'Conflict', `Operation cannot be fulfilled on ${KINDS.nodes.kind.toLowerCase()}s "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`),
      );
    }
    return replacement;
  }

  private objects(resource: ClusterResource, namespace: string | undefined): ClusterObject[] {
    if (resource === 'nodes') return this.cluster.listNodes();
    if (resource === 'pods') return this.cluster.listPods(namespace);
    return this.cluster.listDisruptionBudgets(namespace);
  }

  private list(resource: ClusterResource, namespace: string | undefined, selectors: { labels: Selector; fields: Selector }, response: ServerResponse): void {
    const items = this.objects(resource, namespace).filter((object) => this.matches(object, namespace, selectors));
    const { kind, apiVersion } = KINDS[resource];
    this.send(response, 200, { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: this.cluster.resourceVersion }, items });
  }

  private matches(object: ClusterObject, namespace: string | undefined, selectors: { labels: Selector; fields: Selector }): boolean {
    if (namespace !== undefined && object.metadata.namespace !== namespace) return false;
    const labels = object.metadata.labels ?? {};
    return selectors.labels((key) => labels[key]) && selectors.fields((path) => fieldOf(object, path));
  }

  /**
   * Streams watch events as JSON lines. Without a resourceVersion (or with "0") the current objects come first
   * as ADDED; with one, the changes after it are replayed (410 Gone if the history no longer reaches it).
   */
  private watch(resource: ClusterResource, namespace: string | undefined, selectors: { labels: Selector; fields: Selector }, query: URLSearchParams, response: ServerResponse): void {
    const write = (type: string, object: unknown): void => void response.write(`${JSON.stringify({ type, object })}\n`);
    const since = query.get('resourceVersion');
    const replay: Array<[string, ClusterObject]> = [];
    let expired = false;

    if (!since || since === '0') {
      for (const object of this.objects(resource, namespace)) if (this.matches(object, namespace, selectors)) replay.push(['ADDED', object]);
    } else {
      const changes = this.cluster.changesSince(Number(since));
      if (changes === 'expired' || Number.isNaN(Number(since))) expired = true;
      else for (const change of changes) this.translate(change, resource, namespace, selectors, (type, object) => replay.push([type, object]));
    }

    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    // The client's watch() resolves on the headers; send them even when there is nothing to replay yet.
    response.flushHeaders();
    if (expired) {
      write('ERROR', kubeStatus(410, 'Expired', `too old resource version: ${since} (${this.cluster.resourceVersion})`));
      response.end();
      return;
    }
    for (const [type, object] of replay) write(type, withKind(resource, object));

    const onChange = (change: ClusterChange): void =>
      this.translate(change, resource, namespace, selectors, (type, object) => write(type, withKind(resource, object)));
    this.cluster.on('change', onChange);
    this.watches.add(response);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeoutSeconds > 0 ? setTimeout(() => response.end(), timeoutSeconds * 1000) : undefined;
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      this.cluster.off('change', onChange);
      this.watches.delete(response);
    };
    response.on('close', finish);
    response.on('finish', finish);
  }

  /** A change as one watch sees it: an object leaving the selection is DELETED, one entering it is ADDED. */
  private translate(
    change: ClusterChange,
    resource: ClusterResource,
    namespace: string | undefined,
    selectors: { labels: Selector; fields: Selector },
    emit: (type: string, object: ClusterObject) => void,
  ): void {
    if (change.resource !== resource) return;
    const now = this.matches(change.object, namespace, selectors);
    const before = change.previous !== undefined && this.matches(change.previous, namespace, selectors);
    if (change.type === 'MODIFIED') {
      if (now && before) emit('MODIFIED', change.object);
      else if (now) emit('ADDED', change.object);
      else if (before) emit('DELETED', change.object);
    } else if (now) emit(change.type, change.object);
  }

  private expectObject<T>(body: unknown): T {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KubeApiError(kubeStatus(400, 'BadRequest', 'the request body must be a JSON object'));
    const object = body as { metadata?: unknown; spec?: unknown };
    if (typeof object.metadata !== 'object' || object.metadata === null) throw new KubeApiError(kubeStatus(422, 'Invalid', 'metadata: Required value'));
    return body as T;
  }

  private methodNotAllowed(method: string): KubeApiError {
    return new KubeApiError(kubeStatus(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`));
  }

  private async readBody(request: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new KubeApiError(kubeStatus(413, 'RequestEntityTooLarge', 'request body too large'));
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new KubeApiError(kubeStatus(400, 'BadRequest', 'the request body is not valid JSON'));
    }
  }

  private send(response: ServerResponse, code: number, body: unknown): void {
    response.writeHead(code, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}
