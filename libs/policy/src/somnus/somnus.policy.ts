import { isWindowOpen, windowHolds } from '../calendar';
import { breakEvenSeconds, BATSIM_PROFILE, type PowerProfile } from '@somnus/domain';
import {
  compareForSleep,
  compareForWake,
  fitsOnEmptyFleet,
  freeNodeEquivalents,
  isUp,
  isWakeable,
  nodeEquivalents,
  packPending,
  profileOf,
  referenceCapacity,
  sleepDecision,
  sleepForbidden,
  wakeDecision,
} from '../fleet';
import type { CalendarWindow, Decision, NodeSnapshot, PendingWorkload, PolicyInput, PolicyOutcome, PowerPolicy, Resources } from '../policy.port';
import { DemandForecast } from './demand-forecast';
import { RecentPeak } from './recent-peak';
import { WaitBudget } from './wait-budget';

/**
 * Somnus' policy. Each decision uses only what the live system knows at that moment:
 * 1. Work that does not fit on nodes already up wakes the fewest, cheapest sleeping nodes it packs onto.
 * 2. Calendar windows hold their nodes awake (and wake them as the window opens).
 * 3. Headroom: free room on nodes that are up must cover the work expected to arrive within one boot time
 *    (the rise of demand that a chosen share of past arrivals at this hour of the week brought, learnt online) plus the operator's minimum; if it
 *    does not, nodes are woken ahead of time (pre-wake hides the boot).
 * 4. An idle node sleeps only when the expected idle gap beats the break-even time of a power cycle: the
 *    headroom needed over the next break-even + boot window must still hold without it, and it has been idle
 *    at least a grace period (so a job that follows another does not find its nodes gone).
 *    Work that waits only because running work holds the room (it would fit on the empty fleet) counts
 *    against the free room: it takes the idle nodes as soon as that work ends, so they stay awake for it.
 * 5. Sleep order by tier (dev, staging, prod), critical never, maintenance never touched.
 * 6. With a wait budget (the operator's service level, e.g. "at most 2.5 % of new work waits for a boot"),
 *    free room must also cover the recent peak of running work, held for a time learnt online so that the
 *    share of arrivals that wait for a boot settles at the budget (WaitBudget, RecentPeak).
 * It is event-driven (`eventDriven`): asked the moment a pod turns Unschedulable or the fleet changes, as the
 * live scheduler asks it, so a wake adds one boot to a job's wait, not a boot plus a cadence tick.
 */
export interface SomnusOptions {
  /** Free node-equivalents always kept up, whatever the forecast says. */
  readonly minHeadroomNodes: number;
  /** Extra free room as a share of current demand (node-equivalents). */
  readonly headroomFraction: number;
  /** Share of arrivals (at this hour of the week) that should find room without waiting for a boot. */
  readonly coveredArrivalShare: number;
  /** Idle time before a node may sleep, as a multiple of the break-even time. */
  readonly idleGraceBreakEvens: number;
  /** Wake nodes ahead of demand when free room falls below the forecast (else the forecast only holds nodes awake). */
  readonly preWake: boolean;
  /**
   * The operator's service level: the share of new work that may wait for a node to boot, in (0, 1). When
   * set, Somnus also keeps room for the recent peak of running work and learns online how long to hold it;
   * absent, it spends as little energy as the rules above allow.
   */
  readonly waitBudget?: number;
  readonly forecastWeeks: number;
  readonly forecastDays: number;
  /** The power profile assumed for nodes without one (for boot and break-even times). */
  readonly defaultProfile: PowerProfile;
}

/**
 * The default, least energy: pre-wake for the small rise that 5 % of past arrivals at this hour of the week
 * brought (about a node of spare room while work comes in, none in quiet hours), one break-even of grace (the
 * ski-rental rule). On batch traces about one boot of added wait at the 95th percentile, below Slurm's and the
 * Cluster Autoscaler's, for less energy than either (tools/replay/README.md).
 */
export const SOMNUS_DEFAULTS: SomnusOptions = {
  minHeadroomNodes: 0,
  headroomFraction: 0,
  coveredArrivalShare: 0.05,
  idleGraceBreakEvens: 1,
  preWake: true,
  forecastWeeks: 4,
  forecastDays: 7,
  defaultProfile: BATSIM_PROFILE,
};

/**
 * No added wait at the 95th percentile: at most 2.5 % of new work may wait for a boot (half the 5 % the
 * percentile allows: work queued behind a job that waits for a boot waits too), pre-wake for the rise a quarter
 * of past arrivals brought, free room of at least 4 nodes and 30 % of running work. For operators who value
 * waiting work over energy, as DPM's users do.
 */
export const SOMNUS_NO_WAIT: Partial<SomnusOptions> = {
  waitBudget: 0.025,
  preWake: true,
  coveredArrivalShare: 0.25,
  minHeadroomNodes: 4,
  headroomFraction: 0.3,
};

/** Named settings an operator picks from (SCHEDULER_POLICY_PRESET), each a point on the energy/wait trade-off. */
export const SOMNUS_PRESETS = {
  'least-energy': {} as Partial<SomnusOptions>,
  'no-wait': SOMNUS_NO_WAIT,
} as const;
export type SomnusPreset = keyof typeof SOMNUS_PRESETS;

const HOUR_MS = 3_600_000;
/** The longest the recent peak is ever held: a day (beyond it, the hour-of-week forecast knows better). */
const MAX_HOLD_MS = 24 * HOUR_MS;

export class SomnusPolicy implements PowerPolicy {
  readonly name: string;
  /** Resync tick when nothing changes; the live scheduler asks on every change (pod Unschedulable, node transitions). */
  readonly cadenceMs = 10_000;
  readonly eventDriven = true;
  private readonly options: SomnusOptions;
  private readonly forecast: DemandForecast;
  private readonly bootMs: number;
  private readonly breakEvenMs: number;
  /**
   * From a wake decision being needed to the node taking work: one boot. Asked on every change, the decision
   * itself adds milliseconds (the live scheduler's p99 is 25 ms), not a cadence tick.
   */
  private readonly reactMs: number;
  private readonly recentPeak = new RecentPeak(MAX_HOLD_MS);
  private readonly budget: WaitBudget | undefined;
  /** New pending work not yet judged: did it find room, or wait for a boot? */
  private readonly unjudged = new Set<string>();
  private runningNow = 0;
  private peakBeforeArrival = 0;
  private heldPeakBeforeArrival = 0;
  private watermark = Number.NEGATIVE_INFINITY;
  private idsAtWatermark = new Set<string>();
  private reference: Resources | undefined;
  private referenceFleetSize = -1;

  /** `name` labels the policy in reports (the replay runs the presets side by side). */
  constructor(options: Partial<SomnusOptions> = {}, name = 'somnus') {
    this.name = name;
    this.options = { ...SOMNUS_DEFAULTS, ...options };
    const profile = this.options.defaultProfile;
    this.bootMs = profile.bootSeconds * 1000;
    this.breakEvenMs = breakEvenSeconds(profile) * 1000;
    this.reactMs = this.bootMs;
    this.forecast = new DemandForecast({
      windowMs: this.reactMs,
      quantile: this.options.coveredArrivalShare,
      weeks: this.options.forecastWeeks,
      days: this.options.forecastDays,
    });
    if (this.options.waitBudget !== undefined) {
      // Start at an hour (or one break-even time, if longer) and never go below one break-even time. A step of
      // 0.05 (log2) moves the hold by about 3.5 % a miss: slow enough not to swing with every burst, fast
      // enough to settle within a few hundred arrivals.
      this.budget = new WaitBudget({ budget: this.options.waitBudget, minHoldMs: this.breakEvenMs, maxHoldMs: MAX_HOLD_MS, initialHoldMs: Math.max(HOUR_MS, this.breakEvenMs), step: 0.05 });
    }
  }

  /** How long the recent peak of running work is held (0 without a wait budget). */
  get holdMs(): number {
    return this.budget?.holdMs ?? 0;
  }

  /** Share of new work so far that waited for a boot, as the wait budget counts it (0 without one). */
  get bootWaitShare(): number {
    return this.budget?.missShare ?? 0;
  }

  observe(input: PolicyInput): void {
    const reference = this.referenceFor(input.fleet);
    let arrivals = 0;
    let newest = this.watermark;
    const atNewest = new Set<string>();
    const consider = (id: string, at: number, pending: boolean): void => {
      if (at < this.watermark || (at === this.watermark && this.idsAtWatermark.has(id))) return;
      arrivals++;
      if (pending && this.budget) this.unjudged.add(id);
      else this.budget?.record(false);
      if (at > newest) {
        newest = at;
        atNewest.clear();
      }
      if (at === newest) atNewest.add(id);
    };
    let demand = 0;
    for (const w of input.demand.pending) {
      consider(w.id, w.submittedAt, true);
      demand += nodeEquivalents(w.requests, reference, w.replicas ?? 1);
    }
    for (const w of input.demand.running) consider(w.id, w.submittedAt, false);
    let running = 0;
    for (const node of input.fleet) running += nodeEquivalents(node.allocated, reference);
    demand += running;
    if (newest > this.watermark) {
      this.watermark = newest;
      this.idsAtWatermark = atNewest;
    } else for (const id of atNewest) this.idsAtWatermark.add(id);
    this.forecast.observe(input.now, demand, arrivals);
    if (arrivals > 0) {
      this.peakBeforeArrival = this.recentPeak.peak(input.now, MAX_HOLD_MS);
      this.heldPeakBeforeArrival = this.recentPeak.peak(input.now, this.holdMs);
    }
    // The peak is of work that ran: a backlog beyond the fleet says nothing about the room to keep.
    this.recentPeak.observe(input.now, running);
    this.runningNow = running;
  }

  decide(input: PolicyInput): PolicyOutcome {
    this.observe(input);
    const { now, fleet, demand } = input;
    const reference = this.referenceFor(fleet);
    const decisions: Decision[] = [];
    const waking = new Set<string>();
    const wake = (node: NodeSnapshot, code: Decision['code'], reason: string): void => {
      if (waking.has(node.id)) return;
      waking.add(node.id);
      decisions.push(wakeDecision(node, code, reason));
    };

    // 1. Work waiting for room.
    const packing = packPending(fleet, demand.pending);
    for (const node of packing.wake) wake(node, 'unschedulable-work', `waiting work needs ${node.name}'s room`);
    // Work that waits only because running work holds the room (it would fit on the empty fleet).
    const blockedByRunningWork = fitsOnEmptyFleet(fleet);
    const blocked = packing.unplaceable.filter(blockedByRunningWork);
    const neverFits = new Set(packing.unplaceable.filter((w) => !blockedByRunningWork(w)).map((w) => w.id));
    this.judgeArrivals(demand.pending, packing.waitForBoot, blocked, neverFits, reference);

    // 2. Calendars.
    const held = this.heldByCalendar(input.calendar, fleet, now);
    for (const [node, window] of held) {
      if (isWakeable(node) && window.wakeAtStart !== false) wake(node, 'calendar', `calendar window "${window.name}" holds ${node.name} awake`);
    }

    // 3. Headroom for what is expected within one boot.
    let free = 0;
    for (const node of fleet) if ((isUp(node) || waking.has(node.id)) && !node.maintenance) free += freeNodeEquivalents(node, reference);
    for (const w of packing.fitsOnUpNodes) free -= nodeEquivalents(w.requests, reference, w.replicas ?? 1);
    // Work that waits because running work holds the room (not because of its shape) takes the idle room as
    // soon as that work ends: putting that room to sleep would add a boot to its wait.
    for (const w of blocked) free -= nodeEquivalents(w.requests, reference, w.replicas ?? 1);
    const floor = this.options.minHeadroomNodes + this.options.headroomFraction * this.runningNow;
    const hold = this.holdMs;
    const peakRoom = hold > 0 ? Math.max(0, this.recentPeak.peak(now, hold) - this.runningNow) : 0;
    const soon = Math.max(floor, peakRoom, this.forecast.riseBetween(now, now + this.reactMs, now));
    if (this.options.preWake && free < soon) {
      const sleeping = fleet.filter((n) => isWakeable(n) && !waking.has(n.id)).sort(compareForWake);
      for (const node of sleeping) {
        if (free >= soon) break;
        wake(node, 'forecast', `free room ${free.toFixed(1)} < ${soon.toFixed(1)} node(s) expected within one boot at this hour of the week`);
        free += freeNodeEquivalents({ ...node, allocated: { cpu: 0, memoryMiB: 0, gpu: 0 } }, reference);
      }
    }

    // 4. Sleep what the next break-even window does not need.
    let recheckAt = (Math.floor(now / 3_600_000) + 1) * 3_600_000 - this.reactMs;
    if (recheckAt <= now) recheckAt += 3_600_000;
    if (waking.size === 0) {
      const longer = Math.max(floor, peakRoom, this.forecast.riseBetween(now, now + this.breakEvenMs + this.reactMs, now));
      const candidates = fleet.filter((n) => n.power === 'awake' && n.workloads === 0).sort(compareForSleep);
      for (const node of candidates) {
        const forbidden = sleepForbidden(node);
        if (forbidden) {
          decisions.push({ action: 'hold', nodeId: node.id, ...forbidden });
          continue;
        }
        const window = held.get(node);
        if (window) {
          decisions.push({ action: 'hold', nodeId: node.id, code: 'calendar', reason: `calendar window "${window.name}" holds ${node.name} awake` });
          continue;
        }
        const graceEnd = (node.idleSince ?? now) + this.options.idleGraceBreakEvens * breakEvenSeconds(profileOf(node)) * 1000;
        const room = freeNodeEquivalents(node, reference);
        if (free - room < longer) continue;
        if (graceEnd > now) {
          recheckAt = Math.min(recheckAt, graceEnd);
          continue;
        }
        free -= room;
        decisions.push(sleepDecision(node, 'low-demand', `${node.name} idle; ${free.toFixed(1)} free node(s) still cover the ${longer.toFixed(1)} expected before a power cycle pays off`));
      }
    }
    return { decisions, recheckAt };
  }

  /**
   * New work waits for a boot when it fits only on nodes still booting or once sleeping nodes wake. Work that
   * waits because running work holds the room would wait on an always-on fleet too; work first seen running
   * found room. Only a wait that a longer hold would have prevented counts against the hold: the level demand
   * had to reach for this work to start (what runs, plus the waiting work up to and including it) is one the
   * fleet reached within the last day, but not within the current hold. A level above the last day's is new
   * growth that no hold covers; one within the current hold means something else delayed it.
   */
  private judgeArrivals(
    pending: readonly PendingWorkload[],
    waitForBoot: readonly PendingWorkload[],
    blockedByRunningWork: readonly PendingWorkload[],
    neverFits: ReadonlySet<string>,
    reference: Resources,
  ): void {
    if (this.unjudged.size === 0) return;
    if (this.budget) {
      // Behind older work that running work blocks, an arrival queues on a batch fleet (FCFS) whatever is
      // awake: the boot is not what delays it. Work that can never run (a selector no node matches) blocks
      // nothing, so it cannot hide later misses.
      let oldestBlocked = Number.POSITIVE_INFINITY;
      for (const w of blockedByRunningWork) oldestBlocked = Math.min(oldestBlocked, w.submittedAt);
      const waitedForBoot = new Set(waitForBoot.filter((w) => w.submittedAt <= oldestBlocked).map((w) => w.id));
      const level = new Map<string, number>();
      let ahead = this.runningNow;
      for (const w of pending) {
        if (neverFits.has(w.id)) continue;
        ahead += nodeEquivalents(w.requests, reference, w.replicas ?? 1);
        if (this.unjudged.has(w.id)) level.set(w.id, ahead);
      }
      for (const id of this.unjudged) {
        const waited = waitedForBoot.has(id);
        const needed = level.get(id) ?? 0;
        const holdWouldHelp = needed > this.heldPeakBeforeArrival + 1e-9 && needed <= this.peakBeforeArrival + 1e-9;
        if (!waited || holdWouldHelp) this.budget.record(waited);
      }
    }
    this.unjudged.clear();
  }

  private referenceFor(fleet: readonly NodeSnapshot[]): Resources {
    if (!this.reference || this.referenceFleetSize !== fleet.length) {
      this.reference = referenceCapacity(fleet);
      this.referenceFleetSize = fleet.length;
    }
    return this.reference;
  }

  private heldByCalendar(windows: readonly CalendarWindow[] | undefined, fleet: readonly NodeSnapshot[], now: number): Map<NodeSnapshot, CalendarWindow> {
    const held = new Map<NodeSnapshot, CalendarWindow>();
    if (!windows || windows.length === 0) return held;
    const open = windows.filter((w) => isWindowOpen(w, now));
    for (const node of fleet) {
      if (node.maintenance) continue;
      const window = open.find((w) => windowHolds(w, node));
      if (window) held.set(node, window);
    }
    return held;
  }
}
