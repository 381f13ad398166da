import type { CalendarWindow, NodeSnapshot, PendingWorkload, PolicyInput, PowerPolicy, Resources, RunningWorkload } from '@somnus/policy';
import { awakeWatts, switchingWattsFor, type PowerProfile } from '@somnus/domain';
import { at } from '@somnus/contracts';
import { EventQueue } from './event-queue';
import type { ReplayJob, ReplayWorkload } from './workload';

/**
 * Virtual-time replay of a workload on a fleet driven by one power policy. Event-driven: the clock jumps
 * from one job submission, job end, boot or suspend completion to the next; the policy is asked on its
 * cadence grid (10 s, 5 min, ...) only after something changed or when it asked to be asked again, which
 * is exactly when its answer can change. An event-driven policy (`eventDriven`, Somnus: the live scheduler
 * decides when a pod turns Unschedulable) is asked at the instant of each change and at its `recheckAt`. A batch scheduler (FCFS with EASY backfilling) starts jobs on
 * awake nodes only.
 */

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type SimNode = Mutable<NodeSnapshot>;

export interface SimulationOptions {
  readonly profile: PowerProfile;
  /** Run at least until this many seconds from the log start (a common horizon for every policy). */
  readonly horizonSeconds: number;
  readonly calendar?: readonly CalendarWindow[];
  /** Called now and then with the share of the horizon done, for a progress bar. */
  readonly onProgress?: (share: number) => void;
  /** Keep busy intervals per node (for the clairvoyant reference). */
  readonly recordBusyIntervals?: boolean;
}

export interface SimulationResult {
  readonly policy: string;
  /** Joules from 0 to `endSeconds`. */
  readonly joules: number;
  /** Joules drawn by busy nodes alone. */
  readonly busyJoules: number;
  readonly endSeconds: number;
  /** Fleet draw at the end, to extend the run to a later common end. */
  readonly finalWatts: number;
  /** Seconds each job waited (start - submit), by job index. */
  readonly waits: Float64Array;
  readonly transitions: number;
  readonly maxTransitionsPerNodeDay: number;
  readonly decisions: number;
  /** Time series for plots: time (s), nodes up (awake or booting), fleet watts. */
  readonly series: { readonly t: number[]; readonly up: number[]; readonly watts: number[] };
  /** Per node, busy intervals [start, end) in seconds (when asked for). */
  readonly busyIntervals?: Array<Array<[number, number]>>;
}

/** One node: the snapshot the policy sees and the simulator's own bookkeeping beside it. */
interface NodeState {
  readonly snapshot: SimNode;
  readonly cores: number;
  /** KB (1 in whole-node mode, where memory does not constrain). */
  readonly memory: number;
  usedCores: number;
  usedMemory: number;
  jobsOn: number;
  bootDoneAt: number;
  wakeAfterSuspend: boolean;
  /** The node's current draw and the part of it that counts as busy. */
  watts: number;
  busyWatts: number;
  /** Transition count on `day` (days since the log start), for the per-node-day maximum. */
  day: number;
  dayCount: number;
  busySince: number;
  readonly busyIntervals: Array<[number, number]>;
}

type Event =
  | { kind: 'finish'; job: ReplayJob }
  | { kind: 'booted'; node: NodeState }
  | { kind: 'suspended'; node: NodeState };

const EPS = 1e-9;
/** How many times an event-driven policy is asked again at one instant after its own decisions. */
const MAX_ASKS_PER_INSTANT = 4;

export function simulate(workload: ReplayWorkload, policy: PowerPolicy, options: SimulationOptions): SimulationResult {
  const { profile } = options;
  const switching = switchingWattsFor(profile);
  const epochMs = workload.epochStart * 1000;
  const whole = workload.wholeNodes;
  const recordBusy = options.recordBusyIntervals === true;
  const states: NodeState[] = workload.nodes.map((spec, i) => ({
    snapshot: {
      id: `n${String(i).padStart(5, '0')}`,
      name: `${spec.pool}-${i}`,
      tier: 'dev',
      power: 'awake',
      maintenance: false,
      capacity: { cpu: spec.cores, memoryMiB: whole ? 1 : spec.memoryKB / 1024, gpu: 0 },
      allocated: { cpu: 0, memoryMiB: 0, gpu: 0 },
      workloads: 0,
      workloadsMovable: false,
      labels: {},
      taints: [],
      idleSince: epochMs,
      powerProfile: profile,
    },
    cores: spec.cores,
    memory: whole ? 1 : spec.memoryKB,
    usedCores: 0,
    usedMemory: 0,
    jobsOn: 0,
    bootDoneAt: 0,
    wakeAfterSuspend: false,
    watts: 0,
    busyWatts: 0,
    day: -1,
    dayCount: 0,
    busySince: 0,
    busyIntervals: [],
  }));
  const nodes: SimNode[] = states.map((s) => s.snapshot);
  const byId = new Map(states.map((s) => [s.snapshot.id, s]));

  // Energy bookkeeping: total draw and busy draw, integrated at every event.
  let totalWatts = 0;
  let busyWatts = 0;
  let joules = 0;
  let busyJoules = 0;
  let lastT = 0;
  const advance = (t: number): void => {
    if (t > lastT) {
      joules += totalWatts * (t - lastT);
      busyJoules += busyWatts * (t - lastT);
      lastT = t;
    }
  };
  let upCount = 0;
  const series = { t: [] as number[], up: [] as number[], watts: [] as number[] };
  const sample = (t: number): void => {
    const last = series.t.length - 1;
    if (last >= 0 && series.t[last] === t) {
      series.up[last] = upCount;
      series.watts[last] = totalWatts;
    } else if (last < 0 || series.up[last] !== upCount || Math.abs(at(series.watts, last, 'last sampled watts') - totalWatts) > 1e-6) {
      series.t.push(t);
      series.up.push(upCount);
      series.watts.push(totalWatts);
    }
  };
  /** Recomputes a node's draw after any change to its power state or its work. */
  const updateNode = (s: NodeState): void => {
    const power = s.snapshot.power;
    let w: number;
    if (power === 'awake') w = s.jobsOn > 0 ? awakeWatts(profile, s.usedCores / s.cores) : profile.idleWatts;
    else if (power === 'booting') w = switching.on;
    else if (power === 'suspending') w = switching.off;
    else w = profile.sleepWatts;
    totalWatts += w - s.watts;
    s.watts = w;
    const busy = power === 'awake' && s.jobsOn > 0 ? w : 0;
    busyWatts += busy - s.busyWatts;
    s.busyWatts = busy;
  };
  for (const s of states) {
    updateNode(s);
    upCount++;
  }
  sample(0);

  let transitions = 0;
  let maxPerDay = 0;
  const countTransition = (s: NodeState, t: number): void => {
    transitions++;
    const d = Math.floor(t / 86400);
    if (s.day !== d) {
      s.day = d;
      s.dayCount = 0;
    }
    s.dayCount++;
    if (s.dayCount > maxPerDay) maxPerDay = s.dayCount;
  };

  const events = new EventQueue<Event>();
  const jobs = workload.jobs;
  const waits = new Float64Array(jobs.length).fill(Number.NaN);
  /** When a running job started (seconds): `waits` holds the same as start - submit. */
  const startedAt = (job: ReplayJob): number => job.submit + at(waits, job.index, 'job wait');
  const placement = new Map<number, Array<[NodeState, number]>>();
  const running = new Map<number, ReplayJob>();
  const queue: ReplayJob[] = [];
  let nextJob = 0;
  let finished = 0;

  // Policy views, rebuilt only when they change.
  const pendingView = new Map<number, PendingWorkload>();
  const runningView = new Map<number, RunningWorkload>();
  let pendingList: PendingWorkload[] = [];
  let runningList: RunningWorkload[] = [];
  let viewsDirty = true;
  const requestsOf = (job: ReplayJob): Resources =>
    whole ? { cpu: 1, memoryMiB: 0, gpu: 0 } : { cpu: 1, memoryMiB: job.memoryKBPerProcessor / 1024, gpu: 0 };

  const freeCoresOn = (s: NodeState): number => (s.snapshot.power === 'awake' ? s.cores - s.usedCores : 0);
  let freeAwakeCores = 0;
  const recountFree = (): void => {
    freeAwakeCores = 0;
    for (const s of states) freeAwakeCores += freeCoresOn(s);
  };

  /** Where a job would go now on awake nodes (first fit in node order), or undefined. */
  const place = (job: ReplayJob): Array<[NodeState, number]> | undefined => {
    if (job.processors > freeAwakeCores + EPS) return undefined;
    let left = job.processors;
    const out: Array<[NodeState, number]> = [];
    for (const s of states) {
      if (left <= 0) break;
      if (s.snapshot.power !== 'awake') continue;
      const freeC = s.cores - s.usedCores;
      if (freeC < 1 - EPS) continue;
      let k = Math.floor(freeC + EPS);
      if (job.memoryKBPerProcessor > 0) k = Math.min(k, Math.floor((s.memory - s.usedMemory + EPS) / job.memoryKBPerProcessor));
      if (k <= 0) continue;
      k = Math.min(k, left);
      out.push([s, k]);
      left -= k;
    }
    return left > 0 ? undefined : out;
  };

  const start = (job: ReplayJob, where: Array<[NodeState, number]>, t: number): void => {
    for (const [s, k] of where) {
      if (s.jobsOn === 0 && recordBusy) s.busySince = t;
      s.usedCores += k;
      s.usedMemory += k * job.memoryKBPerProcessor;
      s.jobsOn++;
      const node = s.snapshot;
      node.workloads = s.jobsOn;
      node.allocated = { cpu: s.usedCores, memoryMiB: whole ? s.usedCores : s.usedMemory / 1024, gpu: 0 };
      node.idleSince = undefined;
      freeAwakeCores -= k;
      updateNode(s);
    }
    placement.set(job.index, where);
    running.set(job.index, job);
    waits[job.index] = t - job.submit;
    events.push(t + job.runtime, { kind: 'finish', job });
    viewsDirty = true;
  };

  const finish = (job: ReplayJob, t: number): void => {
    for (const [s, k] of placement.get(job.index) ?? []) {
      s.usedCores -= k;
      s.usedMemory -= k * job.memoryKBPerProcessor;
      s.jobsOn--;
      const node = s.snapshot;
      node.workloads = s.jobsOn;
      node.allocated = { cpu: s.usedCores, memoryMiB: whole ? s.usedCores : s.usedMemory / 1024, gpu: 0 };
      if (s.jobsOn === 0) {
        node.idleSince = epochMs + t * 1000;
        if (recordBusy) s.busyIntervals.push([s.busySince, t]);
      }
      freeAwakeCores += k;
      updateNode(s);
    }
    placement.delete(job.index);
    running.delete(job.index);
    finished++;
    viewsDirty = true;
  };

  /** FCFS with EASY backfilling: the head gets a reservation, later jobs may jump ahead if they do not delay it. */
  const schedule = (t: number): void => {
    for (let first = queue[0]; first !== undefined; first = queue[0]) {
      const where = place(first);
      if (!where) break;
      queue.shift();
      start(first, where, t);
    }
    const head = queue[0];
    if (head === undefined || queue.length === 1) return;
    // Shadow time: when enough cores free up for the head (running jobs by their estimates, booting nodes by their boot end).
    const releases: Array<[number, number]> = [];
    for (const job of running.values()) releases.push([Math.max(t, startedAt(job) + job.estimate), job.processors]);
    for (const s of states) if (s.snapshot.power === 'booting') releases.push([s.bootDoneAt, s.cores]);
    releases.sort((a, b) => a[0] - b[0]);
    let available = freeAwakeCores;
    let shadow = Number.POSITIVE_INFINITY;
    let extra = Number.POSITIVE_INFINITY;
    for (const [releaseAt, c] of releases) {
      available += c;
      if (available + EPS >= head.processors) {
        shadow = releaseAt;
        extra = available - head.processors;
        break;
      }
    }
    for (let q = 1; q < queue.length && freeAwakeCores >= 1 - EPS; q++) {
      const job = at(queue, q, 'queued job');
      if (job.processors > freeAwakeCores + EPS) continue;
      const endsInTime = t + job.estimate <= shadow;
      if (!endsInTime && job.processors > extra + EPS) continue;
      const where = place(job);
      if (!where) continue;
      queue.splice(q, 1);
      q--;
      start(job, where, t);
      if (!endsInTime) extra -= job.processors;
    }
  };

  const setPower = (s: NodeState, power: NodeSnapshot['power'], t: number): void => {
    const node = s.snapshot;
    const wasUp = node.power === 'awake' || node.power === 'booting';
    node.power = power;
    const isUpNow = power === 'awake' || power === 'booting';
    upCount += (isUpNow ? 1 : 0) - (wasUp ? 1 : 0);
    if (power === 'awake') node.idleSince = s.jobsOn === 0 ? epochMs + t * 1000 : undefined;
    updateNode(s);
  };

  const boot = (s: NodeState, t: number): void => {
    setPower(s, 'booting', t);
    s.snapshot.lastWakeAt = epochMs + t * 1000;
    s.bootDoneAt = t + profile.bootSeconds;
    events.push(s.bootDoneAt, { kind: 'booted', node: s });
    countTransition(s, t);
  };

  const input = (t: number): PolicyInput => {
    if (viewsDirty) {
      for (const key of pendingView.keys()) if (!queue.some((j) => j.index === key)) pendingView.delete(key);
      pendingList = queue.map((job) => {
        let view = pendingView.get(job.index);
        if (!view) {
          view = { id: `job-${job.id}`, requests: requestsOf(job), replicas: job.processors, submittedAt: epochMs + job.submit * 1000 };
          pendingView.set(job.index, view);
        }
        return view;
      });
      for (const key of [...runningView.keys()]) if (!running.has(key)) runningView.delete(key);
      runningList = [];
      for (const job of running.values()) {
        let view = runningView.get(job.index);
        if (!view) {
          const r = requestsOf(job);
          view = {
            id: `job-${job.id}`,
            nodeIds: (placement.get(job.index) ?? []).map(([s]) => s.snapshot.id),
            requests: { cpu: r.cpu * job.processors, memoryMiB: r.memoryMiB * job.processors, gpu: 0 },
            submittedAt: epochMs + job.submit * 1000,
            startedAt: epochMs + startedAt(job) * 1000,
          };
          runningView.set(job.index, view);
        }
        runningList.push(view);
      }
      viewsDirty = false;
    }
    return { now: epochMs + t * 1000, fleet: nodes, demand: { pending: pendingList, running: runningList }, calendar: options.calendar };
  };

  let decisions = 0;
  const applyDecisions = (out: ReturnType<PowerPolicy['decide']>, t: number): boolean => {
    let acted = false;
    for (const d of out.decisions) {
      if (d.action === 'hold') continue;
      const s = byId.get(d.nodeId);
      if (s === undefined) continue;
      const node = s.snapshot;
      if (d.action === 'wake') {
        if (node.power === 'asleep') {
          boot(s, t);
          acted = true;
        } else if (node.power === 'suspending' && !s.wakeAfterSuspend) {
          s.wakeAfterSuspend = true;
          acted = true;
        }
      } else if (d.action === 'sleep' && node.power === 'awake' && s.jobsOn === 0 && !node.maintenance) {
        // A sleep is refused while work runs there: batch jobs cannot be moved.
        freeAwakeCores -= s.cores;
        setPower(s, 'suspending', t);
        node.lastSleepAt = epochMs + t * 1000;
        events.push(t + profile.suspendSeconds, { kind: 'suspended', node: s });
        countTransition(s, t);
        acted = true;
      }
      decisions++;
    }
    return acted;
  };

  recountFree();
  const cadence = policy.cadenceMs / 1000;
  const gridCeil = (t: number): number => Math.ceil(t / cadence - EPS) * cadence;
  const eventDriven = policy.eventDriven === true;
  let asksThisInstant = 0;
  let nextEval = 0;
  const horizon = options.horizonSeconds;
  let progressAt = 0;
  let steps = 0;

  for (;;) {
    const tSubmit = jobs[nextJob]?.submit ?? Number.POSITIVE_INFINITY;
    const tEvent = events.peekTime();
    const tChange = Math.min(tSubmit, tEvent);
    const done = nextJob >= jobs.length && finished === jobs.length && events.size === 0;
    if (done && (nextEval >= horizon || !Number.isFinite(nextEval))) break;
    if (tChange === Number.POSITIVE_INFINITY && !Number.isFinite(nextEval)) break;
    if (++steps > 50_000_000) throw new Error('replay did not converge: more than 50 million steps');

    if (tChange <= nextEval) {
      const t = tChange;
      advance(t);
      // Everything that happens at this instant, then one scheduling pass.
      for (let job = jobs[nextJob]; job !== undefined && job.submit === t; job = jobs[nextJob]) {
        queue.push(job);
        nextJob++;
        viewsDirty = true;
      }
      for (let item = events.popAt(t); item !== undefined; item = events.popAt(t)) {
        if (item.kind === 'finish') finish(item.job, t);
        else if (item.kind === 'booted') {
          setPower(item.node, 'awake', t);
          freeAwakeCores += item.node.cores - item.node.usedCores;
        } else {
          setPower(item.node, 'asleep', t);
          if (item.node.wakeAfterSuspend) {
            item.node.wakeAfterSuspend = false;
            boot(item.node, t);
          }
        }
      }
      schedule(t);
      sample(t);
      if (policy.observe) policy.observe(input(t));
      // An event-driven policy is asked at this very instant, as the live scheduler is; others at their next tick.
      nextEval = Math.min(nextEval, eventDriven ? t : gridCeil(t));
      asksThisInstant = 0;
    } else {
      const t = nextEval;
      advance(t);
      const out = policy.decide(input(t));
      const acted = applyDecisions(out, t);
      if (acted) {
        recountFree();
        schedule(t);
        sample(t);
      }
      const recheck = out.recheckAt === undefined ? t + cadence : (out.recheckAt - epochMs) / 1000;
      if (eventDriven) {
        // Carrying out its decisions changes its input (nodes booting, suspending, work started): the live loop
        // hears of it at once and decides again. Bounded per instant so a policy cannot spin in place.
        asksThisInstant++;
        if (acted && asksThisInstant < MAX_ASKS_PER_INSTANT) nextEval = t;
        else nextEval = recheck > t + EPS ? recheck : t + cadence;
      } else nextEval = acted ? t + cadence : Math.max(t + cadence, gridCeil(recheck));
      if (done && nextEval >= horizon) nextEval = Number.POSITIVE_INFINITY;
    }
    if (options.onProgress && (steps & 4095) === 0) {
      const share = Math.min(1, lastT / Math.max(1, horizon));
      if (share - progressAt >= 0.01) {
        progressAt = share;
        options.onProgress(share);
      }
    }
  }
  const end = Math.max(lastT, horizon);
  advance(end);
  if (recordBusy) for (const s of states) if (s.jobsOn > 0) s.busyIntervals.push([s.busySince, end]);
  options.onProgress?.(1);
  return {
    policy: policy.name,
    joules,
    busyJoules,
    endSeconds: end,
    finalWatts: totalWatts,
    waits,
    transitions,
    maxTransitionsPerNodeDay: maxPerDay,
    decisions,
    series,
    busyIntervals: recordBusy ? states.map((s) => s.busyIntervals) : undefined,
  };
}
