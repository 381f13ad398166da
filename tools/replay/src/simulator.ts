import type { CalendarWindow, NodeSnapshot, PendingWorkload, PolicyInput, PowerPolicy, Resources, RunningWorkload } from '@somnus/policy';
import { awakeWatts, switchingWattsFor, type PowerProfile } from '@somnus/domain';
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

type Event =
  | { kind: 'finish'; job: ReplayJob }
  | { kind: 'booted'; node: number }
  | { kind: 'suspended'; node: number };

const EPS = 1e-9;
/** How many times an event-driven policy is asked again at one instant after its own decisions. */
const MAX_ASKS_PER_INSTANT = 4;

export function simulate(workload: ReplayWorkload, policy: PowerPolicy, options: SimulationOptions): SimulationResult {
  const { profile } = options;
  const switching = switchingWattsFor(profile);
  const epochMs = workload.epochStart * 1000;
  const whole = workload.wholeNodes;
  const n = workload.nodes.length;
  const cores = new Float64Array(n);
  const memory = new Float64Array(n);
  const usedCores = new Float64Array(n);
  const usedMemory = new Float64Array(n);
  const jobsOn = new Int32Array(n);
  const bootDoneAt = new Float64Array(n);
  const wakeAfterSuspend = new Uint8Array(n);
  const watts = new Float64Array(n);
  const day = new Int32Array(n).fill(-1);
  const dayCount = new Int32Array(n);
  const busyIntervals: Array<Array<[number, number]>> | undefined = options.recordBusyIntervals ? Array.from({ length: n }, () => []) : undefined;
  const busySince = new Float64Array(n);
  const nodes: SimNode[] = workload.nodes.map((spec, i) => {
    cores[i] = spec.cores;
    memory[i] = whole ? 1 : spec.memoryKB;
    return {
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
    };
  });

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
    } else if (last < 0 || series.up[last] !== upCount || Math.abs(series.watts[last] - totalWatts) > 1e-6) {
      series.t.push(t);
      series.up.push(upCount);
      series.watts.push(totalWatts);
    }
  };
  const busyContribution = new Float64Array(n);
  /** Recomputes a node's draw after any change to its power state or its work. */
  const updateNode = (i: number): void => {
    const node = nodes[i];
    let w: number;
    if (node.power === 'awake') w = jobsOn[i] > 0 ? awakeWatts(profile, usedCores[i] / cores[i]) : profile.idleWatts;
    else if (node.power === 'booting') w = switching.on;
    else if (node.power === 'suspending') w = switching.off;
    else w = profile.sleepWatts;
    totalWatts += w - watts[i];
    watts[i] = w;
    const busy = node.power === 'awake' && jobsOn[i] > 0 ? w : 0;
    busyWatts += busy - busyContribution[i];
    busyContribution[i] = busy;
  };
  for (let i = 0; i < n; i++) {
    updateNode(i);
    upCount++;
  }
  sample(0);

  let transitions = 0;
  let maxPerDay = 0;
  const countTransition = (i: number, t: number): void => {
    transitions++;
    const d = Math.floor(t / 86400);
    if (day[i] !== d) {
      day[i] = d;
      dayCount[i] = 0;
    }
    dayCount[i]++;
    if (dayCount[i] > maxPerDay) maxPerDay = dayCount[i];
  };

  const events = new EventQueue<Event>();
  const jobs = workload.jobs;
  const waits = new Float64Array(jobs.length).fill(Number.NaN);
  const placement = new Map<number, Array<[number, number]>>();
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

  const freeCoresOn = (i: number): number => (nodes[i].power === 'awake' ? cores[i] - usedCores[i] : 0);
  let freeAwakeCores = 0;
  const recountFree = (): void => {
    freeAwakeCores = 0;
    for (let i = 0; i < n; i++) freeAwakeCores += freeCoresOn(i);
  };

  /** Where a job would go now on awake nodes (first fit in node order), or undefined. */
  const place = (job: ReplayJob): Array<[number, number]> | undefined => {
    if (job.processors > freeAwakeCores + EPS) return undefined;
    let left = job.processors;
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n && left > 0; i++) {
      if (nodes[i].power !== 'awake') continue;
      const freeC = cores[i] - usedCores[i];
      if (freeC < 1 - EPS) continue;
      let k = Math.floor(freeC + EPS);
      if (job.memoryKBPerProcessor > 0) k = Math.min(k, Math.floor((memory[i] - usedMemory[i] + EPS) / job.memoryKBPerProcessor));
      if (k <= 0) continue;
      k = Math.min(k, left);
      out.push([i, k]);
      left -= k;
    }
    return left > 0 ? undefined : out;
  };

  const start = (job: ReplayJob, where: Array<[number, number]>, t: number): void => {
    for (const [i, k] of where) {
      if (jobsOn[i] === 0 && busyIntervals) busySince[i] = t;
      usedCores[i] += k;
      usedMemory[i] += k * job.memoryKBPerProcessor;
      jobsOn[i]++;
      const node = nodes[i];
      node.workloads = jobsOn[i];
      node.allocated = { cpu: usedCores[i], memoryMiB: whole ? usedCores[i] : usedMemory[i] / 1024, gpu: 0 };
      node.idleSince = undefined;
      freeAwakeCores -= k;
      updateNode(i);
    }
    placement.set(job.index, where);
    running.set(job.index, job);
    waits[job.index] = t - job.submit;
    events.push(t + job.runtime, { kind: 'finish', job });
    viewsDirty = true;
  };

  const finish = (job: ReplayJob, t: number): void => {
    for (const [i, k] of placement.get(job.index) ?? []) {
      usedCores[i] -= k;
      usedMemory[i] -= k * job.memoryKBPerProcessor;
      jobsOn[i]--;
      const node = nodes[i];
      node.workloads = jobsOn[i];
      node.allocated = { cpu: usedCores[i], memoryMiB: whole ? usedCores[i] : usedMemory[i] / 1024, gpu: 0 };
      if (jobsOn[i] === 0) {
        node.idleSince = epochMs + t * 1000;
        if (busyIntervals) busyIntervals[i].push([busySince[i], t]);
      }
      freeAwakeCores += k;
      updateNode(i);
    }
    placement.delete(job.index);
    running.delete(job.index);
    finished++;
    viewsDirty = true;
  };

  /** FCFS with EASY backfilling: the head gets a reservation, later jobs may jump ahead if they do not delay it. */
  const schedule = (t: number): void => {
    while (queue.length > 0) {
      const where = place(queue[0]);
      if (!where) break;
      start(queue.shift()!, where, t);
    }
    if (queue.length <= 1) return;
    const head = queue[0];
    // Shadow time: when enough cores free up for the head (running jobs by their estimates, booting nodes by their boot end).
    const releases: Array<[number, number]> = [];
    for (const job of running.values()) {
      const started = job.submit + waits[job.index];
      releases.push([Math.max(t, started + job.estimate), job.processors]);
    }
    for (let i = 0; i < n; i++) if (nodes[i].power === 'booting') releases.push([bootDoneAt[i], cores[i]]);
    releases.sort((a, b) => a[0] - b[0]);
    let available = freeAwakeCores;
    let shadow = Number.POSITIVE_INFINITY;
    let extra = Number.POSITIVE_INFINITY;
    for (const [at, c] of releases) {
      available += c;
      if (available + EPS >= head.processors) {
        shadow = at;
        extra = available - head.processors;
        break;
      }
    }
    for (let q = 1; q < queue.length && freeAwakeCores >= 1 - EPS; q++) {
      const job = queue[q];
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

  const setPower = (i: number, power: NodeSnapshot['power'], t: number): void => {
    const node = nodes[i];
    const wasUp = node.power === 'awake' || node.power === 'booting';
    node.power = power;
    const isUpNow = power === 'awake' || power === 'booting';
    upCount += (isUpNow ? 1 : 0) - (wasUp ? 1 : 0);
    if (power === 'awake') node.idleSince = jobsOn[i] === 0 ? epochMs + t * 1000 : undefined;
    updateNode(i);
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
            nodeIds: (placement.get(job.index) ?? []).map(([i]) => nodes[i].id),
            requests: { cpu: r.cpu * job.processors, memoryMiB: r.memoryMiB * job.processors, gpu: 0 },
            submittedAt: epochMs + job.submit * 1000,
            startedAt: epochMs + (job.submit + waits[job.index]) * 1000,
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
    const index = new Map<string, number>();
    for (const d of out.decisions) {
      if (d.action === 'hold') continue;
      if (index.size === 0) nodes.forEach((node, i) => index.set(node.id, i));
      const i = index.get(d.nodeId);
      if (i === undefined) continue;
      const node = nodes[i];
      if (d.action === 'wake') {
        if (node.power === 'asleep') {
          setPower(i, 'booting', t);
          node.lastWakeAt = epochMs + t * 1000;
          bootDoneAt[i] = t + profile.bootSeconds;
          events.push(bootDoneAt[i], { kind: 'booted', node: i });
          countTransition(i, t);
          acted = true;
        } else if (node.power === 'suspending' && !wakeAfterSuspend[i]) {
          wakeAfterSuspend[i] = 1;
          acted = true;
        }
      } else if (d.action === 'sleep' && node.power === 'awake' && jobsOn[i] === 0 && !node.maintenance) {
        // A sleep is refused while work runs there: batch jobs cannot be moved.
        freeAwakeCores -= cores[i];
        setPower(i, 'suspending', t);
        node.lastSleepAt = epochMs + t * 1000;
        events.push(t + profile.suspendSeconds, { kind: 'suspended', node: i });
        countTransition(i, t);
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
    const tSubmit = nextJob < jobs.length ? jobs[nextJob].submit : Number.POSITIVE_INFINITY;
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
      while (nextJob < jobs.length && jobs[nextJob].submit === t) {
        queue.push(jobs[nextJob++]);
        viewsDirty = true;
      }
      while (events.peekTime() === t) {
        const { item } = events.pop()!;
        if (item.kind === 'finish') finish(item.job, t);
        else if (item.kind === 'booted') {
          setPower(item.node, 'awake', t);
          freeAwakeCores += cores[item.node] - usedCores[item.node];
        } else {
          setPower(item.node, 'asleep', t);
          if (wakeAfterSuspend[item.node]) {
            wakeAfterSuspend[item.node] = 0;
            setPower(item.node, 'booting', t);
            nodes[item.node].lastWakeAt = epochMs + t * 1000;
            bootDoneAt[item.node] = t + profile.bootSeconds;
            events.push(bootDoneAt[item.node], { kind: 'booted', node: item.node });
            countTransition(item.node, t);
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
  if (busyIntervals) for (let i = 0; i < n; i++) if (jobsOn[i] > 0) busyIntervals[i].push([busySince[i], end]);
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
    busyIntervals,
  };
}
