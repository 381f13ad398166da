// Offline validation of the deployment artefacts: docker-compose.yml, the Dockerfile and every manifest in k8s/.
// No Docker daemon and no cluster are needed: the compose file goes through Debian's docker-compose
// (`config -q`, when installed) and a structural check; each Kubernetes document through the kubernetes-models
// schema validators, plus the checks that decide whether Somnus actually starts and behaves once applied.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  type IClusterRole,
  type IClusterRoleBinding,
  type IRole,
  type IRoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { servicesRequired } from '@somnus/testing';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');
const k8sDir = path.join(repoRoot, 'k8s');

const SERVICES = ['inventory', 'scheduler', 'power', 'lifecycle', 'audit', 'api-gateway'] as const;
type ServiceName = (typeof SERVICES)[number];
const INFRASTRUCTURE = ['nats', 'postgres', 'redis'] as const;

/** Every environment variable the services read in distributed mode; nothing else belongs in the config. */
const SERVICE_ENV_VARS = new Set([
  'HOST',
  'NATS_URL',
  'DATABASE_URL',
  'REDIS_URL',
  'SOMNUS_MODE',
  'LOG_LEVEL',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'SOMNUS_DATA_DIR',
  'PORT',
  'HEALTH_PORT',
  'SOMNUS_SSH_KEY_DIR',
  'KUBERNETES_MODE',
  'SOMNUS_ADMIN_TOKEN_FILE',
]);
/** What every service needs to start in distributed mode. */
const REQUIRED_ENV_VARS = ['HOST', 'NATS_URL', 'DATABASE_URL', 'REDIS_URL', 'SOMNUS_MODE', 'LOG_LEVEL', 'OTEL_TRACES_EXPORTER', 'SOMNUS_DATA_DIR'];

/** The gateway serves its API and its health on 8080; every other service its health on 8081. */
const healthPortOf = (service: ServiceName): number => (service === 'api-gateway' ? 8080 : 8081);
const usesKubernetes = (service: ServiceName): boolean => service === 'scheduler' || service === 'lifecycle';

/** The Kubernetes calls later issues make, as `group/resource:verb`; RBAC must grant exactly these. */
const EXPECTED_PERMISSIONS = [
  ...['get', 'list', 'watch'].map((verb) => `/pods:${verb}`),
  '/pods/eviction:create',
  ...['get', 'list', 'watch', 'patch'].map((verb) => `/nodes:${verb}`),
  ...['get', 'list', 'watch'].map((verb) => `policy/poddisruptionbudgets:${verb}`),
].sort();

// ---------------------------------------------------------------------------------------------- Kubernetes

interface ManifestDocument {
  file: string;
  index: number;
  value: unknown;
}

/** Parsed as YAML 1.1, like kubectl, so an unquoted `on` or `0440` means here what it means to the cluster. */
function loadManifests(): ManifestDocument[] {
  const files = readdirSync(k8sDir).filter((file) => /\.ya?ml$/.test(file) && !/^kustomization\.ya?ml$/.test(file));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8'), { version: '1.1' }).flatMap((document, index) => {
      const [error] = document.errors;
      if (error) throw new Error(`${file} document ${index}: ${error.message}`);
      const value: unknown = document.toJS();
      return value === null || value === undefined ? [] : [{ file, index, value }];
    }),
  );
}

interface Validatable {
  validate(): void;
}

/** The model for a document's apiVersion and kind; undefined for a kind these manifests have no business using. */
function modelOf(value: unknown): Validatable | undefined {
  if (Namespace.is(value)) return new Namespace(value);
  if (ConfigMap.is(value)) return new ConfigMap(value);
  if (Secret.is(value)) return new Secret(value);
  if (Service.is(value)) return new Service(value);
  if (ServiceAccount.is(value)) return new ServiceAccount(value);
  if (Deployment.is(value)) return new Deployment(value);
  if (ClusterRole.is(value)) return new ClusterRole(value);
  if (ClusterRoleBinding.is(value)) return new ClusterRoleBinding(value);
  if (Role.is(value)) return new Role(value);
  if (RoleBinding.is(value)) return new RoleBinding(value);
  if (NetworkPolicy.is(value)) return new NetworkPolicy(value);
  return undefined;
}

function describeDocument({ file, index, value }: ManifestDocument): string {
  const { kind, metadata } = (value ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
  return `${file}#${index} ${String(kind)}/${String(metadata?.name)}`;
}

const manifests = loadManifests();
const values = manifests.map((manifest) => manifest.value);
const deployments = values.filter((value): value is IDeployment => Deployment.is(value));
const services = values.filter((value): value is IService => Service.is(value));
const configMaps = values.filter((value): value is IConfigMap => ConfigMap.is(value));
const secrets = values.filter((value): value is ISecret => Secret.is(value));
const serviceAccounts = values.filter((value): value is IServiceAccount => ServiceAccount.is(value));
const clusterRoles = values.filter((value): value is IClusterRole => ClusterRole.is(value));
const roles = values.filter((value): value is IRole => Role.is(value));
const bindings = values.filter(
  (value): value is IClusterRoleBinding | IRoleBinding => ClusterRoleBinding.is(value) || RoleBinding.is(value),
);
const networkPolicies = values.filter((value): value is INetworkPolicy => NetworkPolicy.is(value));

function deploymentOf(service: ServiceName): IDeployment {
  const deployment = deployments.find((candidate) => candidate.metadata?.name === service);
  if (!deployment) throw new Error(`no Deployment named ${service} in k8s/`);
  return deployment;
}

function containerOf(service: ServiceName) {
  const containers = deploymentOf(service).spec?.template.spec?.containers ?? [];
  const [container] = containers;
  if (containers.length !== 1 || !container) throw new Error(`Deployment ${service} should run exactly one container, has ${containers.length}`);
  return container;
}

/** The environment a container really gets: its ConfigMaps and Secrets (envFrom) overlaid by its own env. */
function effectiveEnvironment(service: ServiceName): Map<string, string> {
  const container = containerOf(service);
  const environment = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const configMap = configMaps.find((candidate) => candidate.metadata?.name === source.configMapRef?.name);
      if (!configMap) throw new Error(`${service}: envFrom names a ConfigMap ${source.configMapRef.name} that k8s/ does not define`);
      for (const [key, value] of Object.entries(configMap.data ?? {})) environment.set(key, value);
    }
    if (source.secretRef) {
      const secret = secrets.find((candidate) => candidate.metadata?.name === source.secretRef?.name);
      if (!secret) throw new Error(`${service}: envFrom names a Secret ${source.secretRef.name} that k8s/ does not define`);
      for (const [key, value] of Object.entries(secret.stringData ?? {})) environment.set(key, value);
      for (const [key, value] of Object.entries(secret.data ?? {})) environment.set(key, Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  for (const variable of container.env ?? []) environment.set(variable.name, variable.value ?? '');
  return environment;
}

describe('k8s/ manifests', () => {
  it('parse, and every document is a known kind that passes its kubernetes-models schema', () => {
    expect(manifests.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const manifest of manifests) {
      const model = modelOf(manifest.value);
      if (!model) {
        failures.push(`${describeDocument(manifest)}: unknown apiVersion/kind`);
        continue;
      }
      try {
        model.validate();
      } catch (error) {
        failures.push(`${describeDocument(manifest)}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('put every namespaced object in the somnus namespace, which they also create', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    const misplaced = manifests
      .filter(({ value }) => {
        const { kind, metadata } = value as { kind: string; metadata?: { namespace?: string } };
        return !clusterScoped.has(kind) && metadata?.namespace !== 'somnus';
      })
      .map(describeDocument);
    expect(misplaced).toEqual([]);
    expect(values.some((value) => Namespace.is(value) && value.metadata?.name === 'somnus')).toBe(true);
  });

  it('are all listed in kustomization.yaml, which lists nothing else', () => {
    const kustomization = parse(readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8'), { version: '1.1' }) as {
      resources?: string[];
      namespace?: string;
      images?: { name: string; newTag?: string }[];
    };
    const manifestFiles = [...new Set(manifests.map((manifest) => manifest.file))].sort();
    expect([...(kustomization.resources ?? [])].sort()).toEqual(manifestFiles);
    expect(kustomization.namespace).toBe('somnus');

    // The images entry must name the image the Deployments use, or `kubectl apply -k` silently keeps the old one.
    const imageNames = new Set(deployments.flatMap((deployment) => (deployment.spec?.template.spec?.containers ?? []).map((c) => (c.image ?? '').split(':')[0])));
    for (const image of kustomization.images ?? []) expect(imageNames.has(image.name)).toBe(true);
  });

  it('run each of the six services as one Deployment with a Service that selects its pods', () => {
    expect(deployments.map((deployment) => deployment.metadata?.name).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      const deployment = deploymentOf(service);
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      const selector = deployment.spec?.selector.matchLabels ?? {};
      for (const [key, value] of Object.entries(selector)) expect([service, key, podLabels[key]]).toEqual([service, key, value]);
      expect(containerOf(service).args).toEqual([service]);

      const kubeService = services.find((candidate) => candidate.metadata?.name === service);
      expect(kubeService).toBeDefined();
      for (const [key, value] of Object.entries(kubeService?.spec?.selector ?? {})) expect([service, key, podLabels[key]]).toEqual([service, key, value]);
      const containerPorts = containerOf(service).ports ?? [];
      for (const port of kubeService?.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const exposed = containerPorts.some((candidate) => candidate.name === target || candidate.containerPort === target);
        expect([service, target, exposed]).toEqual([service, target, true]);
      }
    }
    expect(services.find((service) => service.metadata?.name === 'api-gateway')?.spec?.ports?.map((port) => port.port)).toEqual([8080]);
    // The scheduler elects a leader through a PostgreSQL lease row, so a second replica is a hot standby, not a double decision.
    expect(deploymentOf('scheduler').spec?.replicas).toBe(2);
  });

  it('run every container from one image with one explicit tag', () => {
    const images = deployments.flatMap((deployment) => (deployment.spec?.template.spec?.containers ?? []).map((container) => container.image));
    expect(images).toHaveLength(SERVICES.length);
    expect(new Set(images).size).toBe(1);
    const [image] = images;
    expect(image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    expect(image).not.toMatch(/:latest$/);
  });

  it('probe /healthz and /readyz on a port each container exposes, the one its service serves health on', () => {
    for (const service of SERVICES) {
      const container = containerOf(service);
      const ports = container.ports ?? [];
      const probes = { startup: container.startupProbe, liveness: container.livenessProbe, readiness: container.readinessProbe };
      for (const [kind, probe] of Object.entries(probes)) {
        const httpGet = probe?.httpGet;
        expect([service, kind, httpGet?.path]).toEqual([service, kind, kind === 'readiness' ? '/readyz' : '/healthz']);
        const port = ports.find((candidate) => candidate.name === httpGet?.port || candidate.containerPort === httpGet?.port);
        expect([service, kind, port?.containerPort]).toEqual([service, kind, healthPortOf(service)]);
      }
    }
  });

  it('configure the services with exactly the variables they read, and everything each one needs', () => {
    for (const configMap of configMaps) {
      expect(Object.keys(configMap.data ?? {}).filter((key) => !SERVICE_ENV_VARS.has(key))).toEqual([]);
    }
    const envSecret = secrets.find((secret) => secret.metadata?.name === 'somnus-secrets');
    expect(Object.keys({ ...envSecret?.stringData, ...envSecret?.data }).filter((key) => !SERVICE_ENV_VARS.has(key))).toEqual([]);

    for (const service of SERVICES) {
      const container = containerOf(service);
      expect([service, (container.env ?? []).map((variable) => variable.name).filter((name) => !SERVICE_ENV_VARS.has(name))]).toEqual([service, []]);
      const environment = effectiveEnvironment(service);
      expect([service, REQUIRED_ENV_VARS.filter((name) => !environment.has(name))]).toEqual([service, []]);
      expect(environment.get('SOMNUS_MODE')).toBe('distributed');
      if (service === 'api-gateway') {
        expect(environment.get('PORT')).toBe('8080');
        expect(environment.get('SOMNUS_ADMIN_TOKEN_FILE')).toMatch(/^\//);
        expect(environment.has('HEALTH_PORT')).toBe(false);
      } else {
        expect([service, environment.get('HEALTH_PORT')]).toEqual([service, String(healthPortOf(service))]);
      }
      expect([service, environment.get('KUBERNETES_MODE')]).toEqual([service, usesKubernetes(service) ? 'in-cluster' : undefined]);
    }
  });

  it('give the power service its SSH keys from a Secret, mounted where SOMNUS_SSH_KEY_DIR points', () => {
    const keyDir = effectiveEnvironment('power').get('SOMNUS_SSH_KEY_DIR');
    expect(keyDir).toBe('/etc/somnus/ssh');
    const pod = deploymentOf('power').spec?.template.spec;
    const mount = containerOf('power').volumeMounts?.find((candidate) => candidate.mountPath === keyDir);
    expect(mount?.readOnly).toBe(true);
    const volume = pod?.volumes?.find((candidate) => candidate.name === mount?.name);
    const secretName = volume?.secret?.secretName;
    expect(secrets.some((secret) => secret.metadata?.name === secretName)).toBe(true);
    // Only the power service holds node credentials.
    for (const service of SERVICES.filter((name) => name !== 'power')) {
      const volumes = deploymentOf(service).spec?.template.spec?.volumes ?? [];
      expect([service, volumes.filter((candidate) => candidate.secret?.secretName === secretName).length]).toEqual([service, 0]);
    }
  });

  it('ship Secrets with placeholders that are marked to be replaced, never a real credential', () => {
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      const entries = Object.values(secret.stringData ?? {});
      expect([secret.metadata?.name, entries.length > 0 && entries.every((value) => value.includes('REPLACE_ME'))]).toEqual([secret.metadata?.name, true]);
      expect(JSON.stringify(secret)).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    }
  });

  it('grant exactly the Kubernetes permissions later issues need, only to the scheduler and lifecycle', () => {
    const rolesByRef = new Map<string, IClusterRole | IRole>([
      ...clusterRoles.map((role) => [`ClusterRole/${role.metadata?.name}`, role] as const),
      ...roles.map((role) => [`Role/${role.metadata?.name}`, role] as const),
    ]);
    const permissionsByAccount = new Map<string, Set<string>>();
    for (const binding of bindings) {
      const role = rolesByRef.get(`${binding.roleRef.kind}/${binding.roleRef.name}`);
      expect([binding.metadata?.name, role !== undefined]).toEqual([binding.metadata?.name, true]);
      for (const subject of binding.subjects ?? []) {
        expect(subject.kind).toBe('ServiceAccount');
        expect(serviceAccounts.some((account) => account.metadata?.name === subject.name && account.metadata?.namespace === subject.namespace)).toBe(true);
        const granted = permissionsByAccount.get(subject.name) ?? new Set<string>();
        for (const rule of role?.rules ?? []) {
          for (const group of rule.apiGroups ?? [])
            for (const resource of rule.resources ?? []) for (const verb of rule.verbs) granted.add(`${group}/${resource}:${verb}`);
        }
        permissionsByAccount.set(subject.name, granted);
      }
    }
    const allGranted = [...new Set([...permissionsByAccount.values()].flatMap((granted) => [...granted]))].sort();
    expect(allGranted).toEqual(EXPECTED_PERMISSIONS);

    for (const service of SERVICES) {
      const pod = deploymentOf(service).spec?.template.spec;
      const account = pod?.serviceAccountName ?? 'default';
      expect([service, serviceAccounts.some((candidate) => candidate.metadata?.name === account)]).toEqual([service, true]);
      const granted = [...(permissionsByAccount.get(account) ?? [])].sort();
      if (usesKubernetes(service)) {
        expect([service, granted]).toEqual([service, EXPECTED_PERMISSIONS]);
      } else {
        // No API access and no token in the pod: a compromised service cannot reach the cluster.
        expect([service, granted]).toEqual([service, []]);
        const serviceAccount = serviceAccounts.find((candidate) => candidate.metadata?.name === account);
        expect([service, pod?.automountServiceAccountToken ?? serviceAccount?.automountServiceAccountToken]).toEqual([service, false]);
      }
    }
  });

  it('run every container as non-root, read-only, without capabilities, within resource limits', () => {
    for (const service of SERVICES) {
      const pod = deploymentOf(service).spec?.template.spec;
      const container = containerOf(service);
      expect([service, pod?.securityContext?.runAsNonRoot]).toEqual([service, true]);
      expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
      expect([service, container.securityContext?.allowPrivilegeEscalation]).toEqual([service, false]);
      expect([service, container.securityContext?.readOnlyRootFilesystem]).toEqual([service, true]);
      expect([service, container.securityContext?.capabilities?.drop]).toEqual([service, ['ALL']]);
      expect(container.securityContext?.capabilities?.add ?? []).toEqual([]);
      for (const bound of ['requests', 'limits'] as const) {
        expect([service, bound, Object.keys(container.resources?.[bound] ?? {}).sort()]).toEqual([service, bound, ['cpu', 'memory']]);
      }
      // A read-only root needs writable mounts for the SWC cache (/tmp) and the service's data directory.
      const mountPaths = (container.volumeMounts ?? []).filter((mount) => !mount.readOnly).map((mount) => mount.mountPath);
      expect([service, mountPaths]).toEqual([service, expect.arrayContaining(['/tmp', effectiveEnvironment(service).get('SOMNUS_DATA_DIR')])]);
    }
  });

  it('deny ingress by default and let clients reach only the gateway on 8080', () => {
    const defaultDeny = networkPolicies.find(
      (policy) =>
        Object.keys(policy.spec?.podSelector?.matchLabels ?? {}).length === 0 &&
        (policy.spec?.podSelector?.matchExpressions ?? []).length === 0 &&
        (policy.spec?.policyTypes ?? []).includes('Ingress') &&
        (policy.spec?.ingress ?? []).length === 0,
    );
    expect(defaultDeny).toBeDefined();

    const gatewayLabels = deploymentOf('api-gateway').spec?.template.metadata?.labels ?? {};
    const selects = (policy: INetworkPolicy, labels: Record<string, string>) =>
      Object.entries(policy.spec?.podSelector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
      Object.keys(policy.spec?.podSelector?.matchLabels ?? {}).length > 0;
    const openings = networkPolicies.filter((policy) => (policy.spec?.ingress ?? []).length > 0);
    const gatewayPorts = openings
      .filter((policy) => selects(policy, gatewayLabels))
      .flatMap((policy) => (policy.spec?.ingress ?? []).flatMap((rule) => (rule.ports ?? []).map((port) => port.port)));
    expect(gatewayPorts).toEqual([8080]);
    // No other Somnus service accepts traffic from outside: their only callers are the bus and the kubelet.
    for (const service of SERVICES.filter((name) => name !== 'api-gateway')) {
      const labels = deploymentOf(service).spec?.template.metadata?.labels ?? {};
      expect([service, openings.filter((policy) => selects(policy, labels)).map((policy) => policy.metadata?.name)]).toEqual([service, []]);
    }
  });
});

// ------------------------------------------------------------------------------------------ docker compose

interface ComposeService {
  build?: string | { context?: string };
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | { target?: number; published?: number | string })[];
  volumes?: (string | { source?: string; target?: string; type?: string })[];
}
interface ComposeFile {
  services?: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const composePath = path.join(repoRoot, 'docker-compose.yml');
// docker-compose reads YAML 1.1 with merge keys (the shared service settings are anchors merged in).
const compose = parse(readFileSync(composePath, 'utf8'), { version: '1.1', merge: true }) as ComposeFile;
const composeServices = compose.services ?? {};
function composeService(name: string): ComposeService {
  const service = composeServices[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}

function composeEnvironment(service: ComposeService): Map<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return new Map(
      environment.map((entry) => {
        const equals = entry.indexOf('=');
        return [equals < 0 ? entry : entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }
  return new Map(Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

function healthcheckCommand(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/** The docker-compose v1 tool from Debian (`apt-get install docker-compose`); it validates without a daemon. */
async function composeTool(): Promise<string | undefined> {
  try {
    await run('docker-compose', ['version'], { timeout: 20_000 });
    return 'docker-compose';
  } catch {
    return undefined;
  }
}

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose config -q (Debian package docker-compose; required in CI)', async () => {
    const tool = await composeTool();
    if (!tool) {
      if (servicesRequired) throw new Error('docker-compose is not installed; CI installs it with `apt-get install -y docker-compose`');
      console.warn('docker-compose is not installed: only the structural checks of docker-compose.yml ran');
      return;
    }
    // A socket that does not exist proves the check needs no Docker daemon.
    const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    await expect(run(tool, ['-f', composePath, 'config', '-q'], { cwd: repoRoot, env, timeout: 60_000 })).resolves.toBeDefined();
    const { stdout } = await run(tool, ['-f', composePath, 'config', '--services'], { cwd: repoRoot, env, timeout: 60_000 });
    expect(stdout.trim().split('\n').sort()).toEqual([...INFRASTRUCTURE, ...SERVICES].sort());
  }, 120_000);

  it('runs NATS with JetStream, PostgreSQL and Redis, each with a health check', () => {
    expect(Object.keys(composeServices).sort()).toEqual([...INFRASTRUCTURE, ...SERVICES].sort());
    const nats = composeService('nats');
    expect(nats.image).toMatch(/^nats:2\.10/);
    expect(nats.command).toEqual(expect.arrayContaining(['-js']));
    expect(healthcheckCommand(nats)).toContain('/healthz?js-enabled-only=true');
    expect(composeService('postgres').image).toMatch(/^postgres:16/);
    expect(healthcheckCommand(composeService('postgres'))).toContain('pg_isready');
    expect(composeService('redis').image).toMatch(/^redis:7/);
    expect(healthcheckCommand(composeService('redis'))).toContain('redis-cli ping');
  });

  it('builds the six services from one image and starts each only once the infrastructure is healthy', () => {
    const images = new Set<string | undefined>();
    for (const name of SERVICES) {
      const service = composeService(name);
      const context = typeof service.build === 'string' ? service.build : service.build?.context;
      expect([name, context]).toEqual([name, '.']);
      images.add(service.image);
      expect([name, service.command]).toEqual([name, [name]]);
      const dependsOn = service.depends_on;
      expect(Array.isArray(dependsOn)).toBe(false);
      for (const dependency of INFRASTRUCTURE) {
        expect([name, dependency, (dependsOn as Record<string, { condition?: string }>)[dependency]?.condition]).toEqual([name, dependency, 'service_healthy']);
      }
    }
    expect(images.size).toBe(1);
  });

  it('checks each service on the port it serves /healthz on, and publishes only the gateway', () => {
    for (const name of SERVICES) {
      const service = composeService(name);
      expect([name, service.healthcheck?.disable ?? false]).toEqual([name, false]);
      expect([name, healthcheckCommand(service)]).toEqual([name, expect.stringContaining(`http://127.0.0.1:${healthPortOf(name)}/healthz`)]);
      const environment = composeEnvironment(service);
      expect([name, environment.get(name === 'api-gateway' ? 'PORT' : 'HEALTH_PORT')]).toEqual([name, String(healthPortOf(name))]);
      const published = (service.ports ?? []).map((port) => (typeof port === 'string' ? port.split(':').pop() : String(port.target)));
      expect([name, published]).toEqual([name, name === 'api-gateway' ? ['8080'] : []]);
    }
  });

  it('configures each service with the variables it reads, pointing at the compose services', () => {
    for (const name of SERVICES) {
      const environment = composeEnvironment(composeService(name));
      expect([name, [...environment.keys()].filter((key) => !SERVICE_ENV_VARS.has(key))]).toEqual([name, []]);
      expect([name, REQUIRED_ENV_VARS.filter((key) => !environment.has(key))]).toEqual([name, []]);
      expect(environment.get('SOMNUS_MODE')).toBe('distributed');
      expect(new URL(environment.get('NATS_URL') ?? '').hostname).toBe('nats');
      expect(new URL(environment.get('DATABASE_URL') ?? '').hostname).toBe('postgres');
      expect(new URL(environment.get('REDIS_URL') ?? '').hostname).toBe('redis');
    }
    expect(composeEnvironment(composeService('api-gateway')).get('SOMNUS_ADMIN_TOKEN_FILE')).toMatch(/^\/var\/lib\/somnus\//);
    const power = composeService('power');
    const keyDir = composeEnvironment(power).get('SOMNUS_SSH_KEY_DIR');
    expect(keyDir).toBe('/etc/somnus/ssh');
    expect((power.volumes ?? []).some((volume) => typeof volume === 'string' && volume.includes(`:${keyDir}:ro`))).toBe(true);
  });

  it('keeps state in named volumes that it declares', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const named = Object.values(composeServices)
      .flatMap((service) => service.volumes ?? [])
      // source:target[:mode]; the source is everything before the first colon.
      .map((volume) => (typeof volume === 'string' ? volume.replace(/:.*$/s, '') : (volume.source ?? '')))
      .filter((source) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((source) => !declared.has(source))).toEqual([]);
    for (const name of [...INFRASTRUCTURE, 'api-gateway']) {
      const volumes = composeService(name).volumes ?? [];
      expect([name, volumes.length > 0]).toEqual([name, true]);
    }
  });
});

// ------------------------------------------------------------------------------------------------ Dockerfile

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));

  it('builds on a Node LTS image and runs as the non-root node user', () => {
    const nodeImage = /ARG NODE_IMAGE=(\S+)/.exec(dockerfile)?.[1] ?? /^FROM (node:\S+)/m.exec(dockerfile)?.[1];
    // Even majors are the LTS lines; 20 and 22 are the supported ones that satisfy package.json's engines.
    expect(nodeImage).toMatch(/^node:(20|22)(\.|-|$)/);
    const users = instructions.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('starts the same command as `npm run service`, with the service as its argument', () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint).toBeDefined();
    expect((JSON.parse(entrypoint ?? '[]') as string[]).join(' ')).toBe(packageJson.scripts.service);
    // The register hook reads the path aliases from tsconfig.base.json at start.
    expect(dockerfile).toMatch(/COPY [^\n]*tsconfig\.base\.json/);
    for (const tree of ['tools', 'libs', 'apps']) expect(dockerfile).toMatch(new RegExp(`^COPY ${tree} \\./${tree}$`, 'm'));
    expect(existsSync(path.join(repoRoot, '.dockerignore'))).toBe(true);
  });
});
