import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { NodeSpecInput, nodeSpecSchema, Tier } from '@somnus/contracts';
import { PowerProfile } from '@somnus/domain';
import { Binder, BinderOptions, PodBound, PodUnschedulable } from './binder';
import { defaultFleet } from './fleet-layout';
import { KubeApiServer, KubeConfigOptions } from './kube-api.server';
import { KubeApiError, KubeCluster } from './kube-cluster';
import { isDaemonSetPod, isMirrorPod, KubeNode, KubePod, podRequest } from './kube-objects';
import { PodArrival, podForArrival, RUN_SECONDS_ANNOTATION } from './pod-arrival';
import { DEFAULT_POWER_SPECS_DIR, loadPowerCurves } from './power-specs';
import { SimClock, TimerSet } from './sim-clock';
import { NodeEnergy, NodeStateChange, SimulatedNode, SimulatedNodeDefinition, SimulatedPowerState, SimulatedTaint } from './simulated-node';
import { generateSshKeyPair, SshKeyPair } from './ssh-node-server';
import { ArrivalTime, MagicPacketArrival, normaliseMac, WakeOnLanListener } from './wol-listener';

export interface FleetSimulatorOptions {
  /** How many nodes of the default layout (24), or explicit definitions. */
  nodes?: number | SimulatedNodeDefinition[];
  /** Time compression: 100 makes a 151.5 s boot take 1.5 s of wall time. Default 1. */
  speed?: number;
  /** UDP port of the Wake-on-LAN listener on 127.0.0.1; 0 (default) picks one. */
  wolPort?: number;
  /** TCP port of the simulated Kubernetes API; 0 (default) picks one. */
  kubeApiPort?: number;
  /** The login Somnus uses on every node. Default "somnus". */
  sshUser?: string;
  /** The client key Somnus authenticates with; generated when absent. */
  clientKey?: SshKeyPair;
  /** Nodes that start asleep: a count (taken from the end of the list, critical nodes excepted) or names. */
  asleep?: number | string[];
  /** Where the SPECpower curves live. Default ../shared/data/power-specs. */
  powerSpecsDir?: string;
  /** Override the Batsim boot and suspend delays of the default layout (simulated seconds). */
  bootSeconds?: number;
  suspendSeconds?: number;
  /** Pods to submit over time (SWF trace or diurnal generator). */
  workload?: PodArrival[];
  /** Run one DaemonSet pod (node-exporter) per node, as real clusters do. Default true. */
  daemonSetPods?: boolean;
  binder?: BinderOptions;
}

/** What the outside world (Somnus, a test, the demo) needs to know about one simulated node. */
export interface SimulatedNodeView {
  name: string;
  mac: string;
  tier: Tier;
  capacity: { cpu: number; memoryMiB: number; gpu: number };
  labels: Record<string, string>;
  taints: SimulatedTaint[];
  powerProfile: PowerProfile;
  machine?: string;
  preSleepHooks: string[];
  ssh: { host: string; port: number; user: string; hostKeySha256: string };
  wol: { host: string; port: number };
  state: SimulatedPowerState;
  utilisation: number;
}

export interface MagicPacketEvent {
  node: string;
  mac: string;
  at: ArrivalTime;
  /** The first valid packet since the node last went to sleep: where a wake's reaction time ends. */
  first: boolean;
  /** Whether this packet started a boot (false when the node was already up or never boots). */
  startedBoot: boolean;
}

export interface PodCompleted {
  namespace: string;
  name: string;
  node: string;
}

export interface FleetEnergy {
  joules: number;
  alwaysOnJoules: number;
  savedJoules: number;
  byNode: Record<string, NodeEnergy>;
}

export interface FleetSimulatorEvents {
  'magic-packet': [MagicPacketEvent];
  'node-state': [NodeStateChange];
  'pod-bound': [PodBound];
  'pod-unschedulable': [PodUnschedulable];
  'pod-completed': [PodCompleted];
}

const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/**
 * The simulated fleet: nodes with Wake-on-LAN cards, SSH daemons and power draw, a Kubernetes API with a
 * binder, and an optional workload. Start it with `FleetSimulator.start(options)`, stop it with `stop()`.
 */
/** Where `writeAccessFiles` put the fleet's access files, and the Somnus settings naming them. */
export interface FleetAccess {
  inventoryFile: string;
  sshKeyDir: string;
  kubeconfigFile: string;
  env: { SOMNUS_INVENTORY_FILE: string; SOMNUS_SSH_KEY_DIR: string; KUBECONFIG: string; KUBERNETES_MODE: 'kubeconfig' };
}

export class FleetSimulator extends EventEmitter<FleetSimulatorEvents> {
  readonly cluster = new KubeCluster();
  readonly binder: Binder;
  readonly clientKey: SshKeyPair;
  readonly clock: SimClock;
  private readonly wol: WakeOnLanListener;
  private readonly kubeApi: KubeApiServer;
  private readonly machines = new Map<string, SimulatedNode>();
  private readonly byMac = new Map<string, SimulatedNode>();
  private readonly wakePacketSeen = new Set<string>();
  private readonly timers = new TimerSet();
  private readonly sshUser: string;
  private stopped = false;

  private constructor(private readonly options: FleetSimulatorOptions) {
    super();
    this.clock = new SimClock(options.speed ?? 1);
    this.clientKey = options.clientKey ?? generateSshKeyPair('somnus@fleet-sim');
    this.sshUser = options.sshUser ?? 'somnus';
    this.wol = new WakeOnLanListener({ port: options.wolPort ?? 0 });
    this.kubeApi = new KubeApiServer(this.cluster, { port: options.kubeApiPort ?? 0 });
    this.binder = new Binder(this.cluster, options.binder);
  }

  static async start(options: FleetSimulatorOptions = {}): Promise<FleetSimulator> {
    const fleet = new FleetSimulator(options);
    try {
      await fleet.boot();
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  // --- what Somnus and tests read ---

  get kubeApiUrl(): string {
    return this.kubeApi.url;
  }

  /** Settings for `new KubeConfig().loadFromOptions(...)`. */
  get kubeConfigOptions(): KubeConfigOptions {
    return this.kubeApi.kubeConfigOptions();
  }

  /** A kubeconfig file's contents pointing at the simulated API. */
  get kubeconfig(): string {
    return this.kubeApi.kubeconfig();
  }

  writeKubeconfig(path: string): void {
    writeFileSync(path, this.kubeconfig, { mode: 0o600 });
  }

  /**
   * Writes what Somnus needs to reach this fleet into `dir` — the inventory file, the SSH client key (as
   * `<dir>/ssh/<keyRef>`, mode 0600) and a kubeconfig — and returns the settings that point Somnus at them.
   */
  writeAccessFiles(dir: string, keyRef = 'fleet-sim'): FleetAccess {
    const sshKeyDir = join(dir, 'ssh');
    mkdirSync(sshKeyDir, { recursive: true, mode: 0o700 });
    const keyFile = join(sshKeyDir, keyRef);
    writeFileSync(keyFile, this.clientKey.privateKey, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const kubeconfigFile = join(dir, 'kubeconfig');
    this.writeKubeconfig(kubeconfigFile);
    const inventoryFile = join(dir, 'inventory.yaml');
    writeFileSync(inventoryFile, this.toInventoryFile(keyRef));
    return {
      inventoryFile,
      sshKeyDir,
      kubeconfigFile,
      env: { SOMNUS_INVENTORY_FILE: inventoryFile, SOMNUS_SSH_KEY_DIR: sshKeyDir, KUBECONFIG: kubeconfigFile, KUBERNETES_MODE: 'kubeconfig' },
    };
  }

  get wolPort(): number {
    return this.wol.port;
  }

  get wolStats(): { valid: number; malformed: number; unknownMac: number } {
    return this.wol.stats;
  }

  get nodes(): SimulatedNodeView[] {
    return [...this.machines.values()].map((machine) => this.view(machine));
  }

  node(name: string): SimulatedNodeView {
    return this.view(this.machine(name));
  }

  /** The machine itself, for tests that need its SSH command log or raw state. */
  machine(name: string): SimulatedNode {
    const machine = this.machines.get(name);
    if (!machine) throw new Error(`no simulated node named "${name}" (have ${[...this.machines.keys()].join(', ')})`);
    return machine;
  }

  energy(): FleetEnergy {
    const byNode: Record<string, NodeEnergy> = {};
    let joules = 0;
    let alwaysOnJoules = 0;
    for (const machine of this.machines.values()) {
      const energy = machine.energySoFar();
      byNode[machine.name] = energy;
      joules += energy.joules;
      alwaysOnJoules += energy.alwaysOnJoules;
    }
    return { joules, alwaysOnJoules, savedJoules: alwaysOnJoules - joules, byNode };
  }

  // --- what tests and the demo change ---

  /** Puts a node to sleep at once, without SSH or delays: for initial layouts. Its running pods are lost. */
  async setNodeAsleep(name: string): Promise<void> {
    const machine = this.machine(name);
    if (machine.state === 'off') return;
    await machine.forceAsleep();
  }

  /** A node that never comes back after a wake (its wake can never be verified). */
  setNeverBoots(name: string, neverBoots = true): void {
    this.machine(name).setNeverBoots(neverBoots);
  }

  /** Replaces a node's SSH host key, as a reinstall would; returns the new fingerprint. */
  rotateHostKey(name: string): Promise<string> {
    return this.machine(name).ssh.rotateHostKey();
  }

  /** Interactive SSH logins on a node, as `who` counts them (keeps a node from looking idle). */
  setSessions(name: string, sessions: number): void {
    this.machine(name).setSessions(sessions);
  }

  /** Submits a pod now (namespace from the pod, default "default"). */
  createPod(pod: KubePod): KubePod {
    return this.cluster.createPod(pod);
  }

  /** The node catalogue entries for Somnus' static inventory, valid against `nodeSpecSchema`. */
  nodeSpecs(keyRef = 'fleet-sim'): NodeSpecInput[] {
    return this.nodes.map((node) => ({
      name: node.name,
      tier: node.tier,
      mac: node.mac,
      ip: '127.0.0.1',
      ssh: { host: node.ssh.host, port: node.ssh.port, user: node.ssh.user, hostKeySha256: node.ssh.hostKeySha256, keyRef },
      capacity: node.capacity,
      labels: node.labels,
      taints: node.taints,
      topology: { zone: node.labels['topology.kubernetes.io/zone'] },
      powerProfile: node.powerProfile,
      driver: { wake: 'wol', sleep: 'ssh-suspend', wol: { broadcast: '127.0.0.1', port: node.wol.port, repeat: 3 }, preSleepHooks: node.preSleepHooks },
      kubernetesNodeName: node.name,
    }));
  }

  /** A static inventory file (`nodes:` list of node specs) in YAML. */
  toInventoryFile(keyRef = 'fleet-sim'): string {
    const nodes = this.nodeSpecs(keyRef);
    for (const node of nodes) nodeSpecSchema.parse(node);
    return stringify({ nodes });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.cancelAll();
    this.binder.stop();
    await Promise.all([this.wol.stop(), this.kubeApi.stop(), ...[...this.machines.values()].map((machine) => machine.stop())]);
    this.removeAllListeners();
  }

  // --- wiring ---

  private async boot(): Promise<void> {
    const definitions = Array.isArray(this.options.nodes)
      ? this.options.nodes
      : defaultFleet(this.options.nodes ?? 24, {
          powerCurves: loadPowerCurves(this.options.powerSpecsDir ?? DEFAULT_POWER_SPECS_DIR),
          bootSeconds: this.options.bootSeconds,
          suspendSeconds: this.options.suspendSeconds,
        });
    const asleep = this.initiallyAsleep(definitions);

    await this.wol.start();
    await this.kubeApi.start();
    this.wol.on('magic-packet', (arrival) => this.onMagicPacket(arrival));

    for (const definition of definitions) {
      const machine = new SimulatedNode(definition, { user: this.sshUser, authorizedKey: this.clientKey.publicKey }, this.clock);
      const ssh = machine.ssh;
      this.machines.set(definition.name, machine);
      this.byMac.set(normaliseMac(definition.mac), machine);
      this.wol.addCard(definition.mac);
      await machine.start(asleep.has(definition.name));
      // The node's SSH port is fixed from here on; an asleep node still needs one for the inventory.
      if (asleep.has(definition.name)) {
        await ssh.listen();
        await ssh.close();
      }
      machine.on('state', (change) => this.onStateChange(machine, change));
      this.cluster.addNode(this.kubeNodeFor(machine));
      if (this.options.daemonSetPods ?? true) this.cluster.createPod(this.daemonSetPod(definition.name), 'kube-system');
    }

    this.cluster.on('change', (change) => {
      if (change.resource !== 'pods') return;
      const nodes = new Set([(change.object as KubePod).spec.nodeName, (change.previous as KubePod | undefined)?.spec.nodeName]);
      for (const node of nodes) if (node) this.refreshUtilisation(node);
    });
    this.binder.on('bound', (bound) => this.onPodBound(bound));
    this.binder.on('unschedulable', (event) => this.emit('pod-unschedulable', event));
    this.binder.start();
    if (this.options.workload?.length) this.playWorkload([...this.options.workload].sort((a, b) => a.atSeconds - b.atSeconds));
  }

  private initiallyAsleep(definitions: SimulatedNodeDefinition[]): Set<string> {
    const asleep = this.options.asleep;
    if (Array.isArray(asleep)) return new Set(asleep);
    if (!asleep) return new Set();
    return new Set(
      definitions
        .filter((definition) => definition.tier !== 'critical')
        .slice(-asleep)
        .map((definition) => definition.name),
    );
  }

  private view(machine: SimulatedNode): SimulatedNodeView {
    const { definition, ssh } = machine;
    return {
      name: definition.name,
      mac: normaliseMac(definition.mac),
      tier: definition.tier,
      capacity: { ...definition.capacity },
      labels: { ...definition.labels },
      taints: [...(definition.taints ?? [])],
      powerProfile: { ...definition.powerProfile },
      machine: definition.machine,
      preSleepHooks: Object.keys(definition.preSleepHooks ?? {}),
      ssh: { host: ssh.host, port: ssh.port, user: this.sshUser, hostKeySha256: ssh.hostKeySha256 },
      wol: { host: this.wol.host, port: this.wol.port },
      state: machine.state,
      utilisation: machine.utilisation,
    };
  }

  private onMagicPacket(arrival: MagicPacketArrival): void {
    const machine = this.byMac.get(arrival.mac);
    if (!machine) return;
    const asleep = machine.state === 'off' || machine.state === 'suspending';
    const first = asleep && !this.wakePacketSeen.has(machine.name);
    if (first) this.wakePacketSeen.add(machine.name);
    const startedBoot = machine.wake();
    this.emit('magic-packet', { node: machine.name, mac: arrival.mac, at: arrival.at, first, startedBoot });
  }

  private onStateChange(machine: SimulatedNode, change: NodeStateChange): void {
    if (change.to === 'suspending') this.wakePacketSeen.delete(machine.name);
    if (change.to === 'off' && change.cause === 'initial') this.wakePacketSeen.delete(machine.name);
    // The kubelet stops reporting once the machine starts going down and reports Ready once it has booted.
    if (change.to === 'suspending' || change.to === 'off' || change.to === 'on') {
      this.cluster.updateNode(machine.name, (node) => this.withPowerStatus(node, machine.isUp));
    }
    if (change.to === 'off') this.loseRunningPods(machine.name);
    this.emit('node-state', change);
  }

  /** A sleeping node's workload pods are gone; their controllers bring them back pending elsewhere. */
  private loseRunningPods(nodeName: string): void {
    for (const pod of this.cluster.podsOnNode(nodeName)) {
      if (isDaemonSetPod(pod) || isMirrorPod(pod)) continue;
      try {
        this.cluster.deletePod(pod.metadata.namespace ?? 'default', pod.metadata.name);
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
      }
    }
  }

  private refreshUtilisation(nodeName: string): void {
    const machine = this.machines.get(nodeName);
    if (!machine) return;
    const running = this.cluster.podsOnNode(nodeName).filter((pod) => pod.status.phase === 'Running');
    const cores = running.reduce((sum, pod) => sum + podRequest(pod, 'cpu'), 0);
    machine.setUtilisation(cores / machine.definition.capacity.cpu);
  }

  private onPodBound(bound: PodBound): void {
    this.emit('pod-bound', bound);
    let pod: KubePod;
    try {
      pod = this.cluster.getPod(bound.namespace, bound.name);
    } catch {
      return;
    }
    const runSeconds = Number(pod.metadata.annotations?.[RUN_SECONDS_ANNOTATION]);
    if (!(runSeconds > 0)) return;
    const uid = pod.metadata.uid;
    this.timers.after(this.clock.realMs(runSeconds), () => this.completePod(bound, uid));
  }

  /** The pod's work is done: Succeeded, then removed (a finished Job pod is not recreated). */
  private completePod(bound: PodBound, uid: string | undefined): void {
    try {
      const pod = this.cluster.getPod(bound.namespace, bound.name);
      if (pod.metadata.uid !== uid || pod.spec.nodeName !== bound.node) return;
      this.cluster.updatePod(bound.namespace, bound.name, (current) => ({
        ...current,
        status: {
          ...current.status,
          phase: 'Succeeded',
          conditions: (current.status.conditions ?? []).map((condition) => (condition.type === 'Ready' || condition.type === 'ContainersReady' ? { ...condition, status: 'False', reason: 'PodCompleted' } : condition)),
        },
      }));
      this.cluster.deletePod(bound.namespace, bound.name);
      this.emit('pod-completed', { namespace: bound.namespace, name: bound.name, node: bound.node });
    } catch (error) {
      // Evicted or deleted meanwhile: nothing to complete.
      if (!(error instanceof KubeApiError)) throw error;
    }
  }

  /** Submits arrivals as their time comes, one timer at a time, so a long trace holds no timer per job. */
  private playWorkload(arrivals: PodArrival[]): void {
    let next = 0;
    const submitDue = (): void => {
      const now = this.clock.nowSeconds();
      for (let arrival = arrivals[next]; arrival !== undefined && arrival.atSeconds <= now; arrival = arrivals[next]) {
        try {
          this.cluster.createPod(podForArrival(arrival));
        } catch (error) {
          if (!(error instanceof KubeApiError)) throw error;
        }
        next += 1;
      }
      const upcoming = arrivals[next];
      if (upcoming) this.timers.after(this.clock.realMs(upcoming.atSeconds - now), submitDue);
    };
    submitDue();
  }

  private kubeNodeFor(machine: SimulatedNode): KubeNode {
    const { definition } = machine;
    const resources: Record<string, string> = {
      cpu: String(definition.capacity.cpu),
      memory: `${definition.capacity.memoryMiB}Mi`,
      pods: '110',
      'ephemeral-storage': '100Gi',
      ...(definition.capacity.gpu > 0 ? { 'nvidia.com/gpu': String(definition.capacity.gpu) } : {}),
    };
    const node: KubeNode = {
      metadata: { name: definition.name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...definition.labels }, annotations: { 'fleet-sim.somnus.io/mac': normaliseMac(definition.mac) } },
      spec: { taints: (definition.taints ?? []).map((taint) => ({ ...taint })), providerID: `fleet-sim://${definition.name}` },
      status: {
        capacity: resources,
        allocatable: { ...resources },
        conditions: [],
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: definition.name },
        ],
        nodeInfo: { kubeletVersion: 'v1.31.0', osImage: 'Fleet Sim Linux', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'containerd://1.7.0' },
      },
    };
    return this.withPowerStatus(node, machine.isUp);
  }

  /**
   * Ready=True while the machine is up; otherwise Ready=Unknown ("Kubelet stopped posting node status.") and
   * the unreachable NoSchedule taint, as the node lifecycle controller sets them.
   */
  private withPowerStatus(node: KubeNode, up: boolean): KubeNode {
    const now = new Date().toISOString();
    const previous = node.status.conditions.find((condition) => condition.type === 'Ready');
    const status = up ? 'True' : 'Unknown';
    const ready = {
      type: 'Ready',
      status: status as 'True' | 'Unknown',
      reason: up ? 'KubeletReady' : 'NodeStatusUnknown',
      message: up ? 'kubelet is posting ready status' : 'Kubelet stopped posting node status.',
      lastHeartbeatTime: now,
      lastTransitionTime: previous?.status === status ? (previous.lastTransitionTime ?? now) : now,
    };
    const taints = (node.spec.taints ?? []).filter((taint) => taint.key !== UNREACHABLE_TAINT);
    if (!up) taints.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: now });
    return {
      ...node,
      spec: { ...node.spec, taints },
      status: { ...node.status, conditions: [...node.status.conditions.filter((condition) => condition.type !== 'Ready'), ready] },
    };
  }

  private daemonSetPod(nodeName: string): KubePod {
    return {
      metadata: {
        name: `node-exporter-${nodeName}`,
        namespace: 'kube-system',
        labels: { app: 'node-exporter' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-exporter', uid: 'daemonset-node-exporter', controller: true }],
      },
      spec: {
        nodeName,
        tolerations: [{ operator: 'Exists' }],
        containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', resources: { requests: { cpu: '50m', memory: '64Mi' } } }],
      },
      status: {
        phase: 'Running',
        hostIP: '127.0.0.1',
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True' as const })),
      },
    };
  }
}
