import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Tier } from '@somnus/contracts';
import { awakeWatts, BATSIM_SWITCHING_WATTS, PowerProfile } from '@somnus/domain';
import { NodeActivity } from './activity-report';
import { SimClock, TimerSet } from './sim-clock';
import { SshNodeMachine, SshNodeServer } from './ssh-node-server';

/** What the machine is doing, as its power supply sees it. `off` covers both suspended (S3) and powered off. */
export type SimulatedPowerState = 'on' | 'suspending' | 'off' | 'booting';

export interface SimulatedTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface SimulatedNodeDefinition {
  name: string;
  /** Locally administered, e.g. 02:53:00:00:00:01. */
  mac: string;
  tier: Tier;
  capacity: { cpu: number; memoryMiB: number; gpu: number };
  labels: Record<string, string>;
  taints?: SimulatedTaint[];
  powerProfile: PowerProfile;
  /** Which measured curve the profile uses, for people reading the demo. */
  machine?: string;
  /** Pre-sleep hook scripts installed on the node, by name, with the exit code each returns. */
  preSleepHooks?: Record<string, number>;
}

export interface NodeStateChange {
  node: string;
  from: SimulatedPowerState;
  to: SimulatedPowerState;
  /** Why: 'suspend', 'power-off', 'wake', 'booted', 'suspended', 'initial'. */
  cause: string;
  at: { monotonicMs: number; epochMs: number };
}

export interface NodeEnergy {
  joules: number;
  /** What the same node would have used had it stayed awake all along at the same load. */
  alwaysOnJoules: number;
}

interface SimulatedNodeEvents {
  state: [NodeStateChange];
  /** The SSH daemon failed to come back (e.g. its port was taken while the node slept). */
  'ssh-error': [Error];
}

/** Time constants of the Linux load average (1, 5 and 15 minutes), in seconds. */
const LOAD_WINDOWS = [60, 300, 900] as const;
/** Background activity of an idle node: a little traffic and a fraction of a core. */
const IDLE_UTILISATION = 0.01;
const IDLE_BYTES_PER_SECOND = 2_000;
const BUSY_BYTES_PER_SECOND = 20_000_000;
const BYTES_PER_PACKET = 900;

/**
 * One machine: its power state machine (on -> suspending -> off -> booting -> on), the energy it draws, the
 * activity it reports over SSH, and its SSH daemon, which only listens while the machine is on.
 */
export class SimulatedNode extends EventEmitter<SimulatedNodeEvents> implements SshNodeMachine {
  private powerState: SimulatedPowerState = 'on';
  private utilisationShare = 0;
  private sessionCount = 0;
  private neverBoot = false;
  private wakeRequestedWhileSuspending = false;
  private transition: NodeJS.Timeout | undefined;
  private lastAccountedAt: number;
  private readonly energy: NodeEnergy = { joules: 0, alwaysOnJoules: 0 };
  private load: [number, number, number] = [0, 0, 0];
  private readonly network = { rxBytes: 0, txBytes: 0 };
  private readonly timers = new TimerSet();

  /** The node's SSH daemon; it runs this machine's commands. */
  readonly ssh: SshNodeServer;

  constructor(
    readonly definition: SimulatedNodeDefinition,
    ssh: { user: string; authorizedKey: string },
    private readonly clock: SimClock,
  ) {
    super();
    this.ssh = new SshNodeServer({ nodeName: definition.name, user: ssh.user, authorizedKey: ssh.authorizedKey, machine: this });
    this.lastAccountedAt = clock.nowSeconds();
  }

  get name(): string {
    return this.definition.name;
  }

  get state(): SimulatedPowerState {
    return this.powerState;
  }

  /** Awake and booted: the only state in which the node runs pods, answers SSH and reports Ready. */
  get isUp(): boolean {
    return this.powerState === 'on';
  }

  get utilisation(): number {
    return this.utilisationShare;
  }

  /** Share of the node's CPU in use, in [0, 1]; the fleet derives it from the pods bound here. */
  setUtilisation(share: number): void {
    this.account();
    this.utilisationShare = Math.min(1, Math.max(0, share));
  }

  /** Interactive logins, as `who` counts them. */
  setSessions(count: number): void {
    this.sessionCount = Math.max(0, Math.floor(count));
  }

  /** A node that never boots stays off when woken: its wake can never be verified. */
  setNeverBoots(neverBoot: boolean): void {
    this.neverBoot = neverBoot;
  }

  /** Watts drawn right now. */
  currentWatts(): number {
    const profile = this.definition.powerProfile;
    switch (this.powerState) {
      case 'on':
        return awakeWatts(profile, this.effectiveUtilisation());
      case 'off':
        return profile.sleepWatts;
      // Batsim's switching figures, scaled to this machine's idle draw.
      case 'booting':
        return (profile.idleWatts * BATSIM_SWITCHING_WATTS.on) / 95;
      case 'suspending':
        return (profile.idleWatts * BATSIM_SWITCHING_WATTS.off) / 95;
    }
  }

  energySoFar(): NodeEnergy {
    this.account();
    return { ...this.energy };
  }

  /** Starts the SSH daemon if the node is on; used once at start-up. */
  async start(initiallyAsleep = false): Promise<void> {
    if (initiallyAsleep) {
      this.changeState('off', 'initial');
      return;
    }
    await this.ssh.listen();
  }

  /** Puts the node straight to sleep without delays (for initial fleet layouts). */
  async forceAsleep(): Promise<void> {
    this.timers.cancel(this.transition);
    this.changeState('off', 'initial');
    await this.ssh.close();
  }

  async stop(): Promise<void> {
    this.timers.cancelAll();
    this.removeAllListeners();
    await this.ssh.close();
  }

  // --- what the SSH daemon asks of the machine ---

  suspend(): void {
    this.goDown('suspend');
  }

  powerOff(): void {
    this.goDown('power-off');
  }

  preSleepHooks(): ReadonlyMap<string, number> {
    return new Map(Object.entries(this.definition.preSleepHooks ?? {}));
  }

  activity(): NodeActivity {
    this.account();
    const cores = this.definition.capacity.cpu;
    const running = Math.round(this.effectiveUtilisation() * cores);
    return {
      loadAverage: [this.load[0], this.load[1], this.load[2]],
      runnableTasks: Math.max(1, running),
      totalTasks: 180 + Math.round(this.utilisationShare * cores * 8),
      lastPid: 1000 + Math.floor(this.clock.nowSeconds()) % 30000,
      interfaces: [
        { name: 'lo', rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 },
        {
          name: 'eth0',
          rxBytes: this.network.rxBytes,
          rxPackets: this.network.rxBytes / BYTES_PER_PACKET,
          txBytes: this.network.txBytes,
          txPackets: this.network.txBytes / BYTES_PER_PACKET,
        },
      ],
      sessions: this.sessionCount,
    };
  }

  // --- what the network card does ---

  /** A valid magic packet for this node's MAC arrived. Returns whether it started a boot. */
  wake(): boolean {
    if (this.powerState === 'suspending') {
      // The card is armed before the machine finishes going down; it comes straight back up.
      this.wakeRequestedWhileSuspending = true;
      return true;
    }
    if (this.powerState !== 'off' || this.neverBoot) return false;
    this.changeState('booting', 'wake');
    this.transition = this.timers.after(this.clock.realMs(this.definition.powerProfile.bootSeconds), () => void this.finishBoot());
    return true;
  }

  private async finishBoot(): Promise<void> {
    try {
      await this.ssh.listen();
    } catch (error) {
      this.emit('ssh-error', error instanceof Error ? error : new Error(String(error)));
    }
    this.changeState('on', 'booted');
  }

  private goDown(cause: 'suspend' | 'power-off'): void {
    if (this.powerState !== 'on') return;
    this.changeState('suspending', cause);
    this.transition = this.timers.after(this.clock.realMs(this.definition.powerProfile.suspendSeconds), () => {
      void this.ssh.close().then(() => {
        this.changeState('off', 'suspended');
        if (this.wakeRequestedWhileSuspending) {
          this.wakeRequestedWhileSuspending = false;
          this.wake();
        }
      });
    });
  }

  private changeState(to: SimulatedPowerState, cause: string): void {
    this.account();
    const from = this.powerState;
    this.powerState = to;
    this.emit('state', { node: this.name, from, to, cause, at: { monotonicMs: performance.now(), epochMs: Date.now() } });
  }

  private effectiveUtilisation(): number {
    return Math.min(1, IDLE_UTILISATION + this.utilisationShare);
  }

  /** Integrates energy, load average and network counters up to now (power is constant between calls). */
  private account(): void {
    const now = this.clock.nowSeconds();
    const elapsed = now - this.lastAccountedAt;
    if (elapsed <= 0) return;
    this.lastAccountedAt = now;
    const utilisation = this.powerState === 'on' ? this.effectiveUtilisation() : 0;
    this.energy.joules += this.currentWatts() * elapsed;
    this.energy.alwaysOnJoules += awakeWatts(this.definition.powerProfile, this.effectiveUtilisation()) * elapsed;

    const runnable = utilisation * this.definition.capacity.cpu;
    const decayed = (average: number, window: number): number => {
      const decay = Math.exp(-elapsed / window);
      return average * decay + runnable * (1 - decay);
    };
    const [one, five, fifteen] = LOAD_WINDOWS;
    this.load = [decayed(this.load[0], one), decayed(this.load[1], five), decayed(this.load[2], fifteen)];
    if (this.powerState === 'on') {
      // Counters advance in wall-clock seconds: whoever reads them (Somnus' idle detection) divides by its own
      // clock, so at speed 100 they must not look 100 times busier than the machine is.
      const wallSeconds = elapsed / this.clock.speed;
      const bytesPerSecond = IDLE_BYTES_PER_SECOND + this.utilisationShare * BUSY_BYTES_PER_SECOND;
      this.network.rxBytes += bytesPerSecond * wallSeconds;
      this.network.txBytes += bytesPerSecond * 0.4 * wallSeconds;
    }
  }
}
