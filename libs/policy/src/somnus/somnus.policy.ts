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
import type { CalendarWindow, Decision, NodeSnapshot, PolicyInput, PolicyOutcome, PowerPolicy, Resources } from '../policy.port';
import { DemandForecast } from './demand-forecast';

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
  readonly forecastWeeks: number;
  readonly forecastDays: number;
  /** The power profile assumed for nodes without one (for boot and break-even times). */
  readonly defaultProfile: PowerProfile;
}

export const SOMNUS_DEFAULTS: SomnusOptions = {
  // Defaults chosen for the energy/wait trade-off of batch fleets (see tools/replay/README.md): room for the
  // median-or-less rise only, pre-wake off, one break-even of grace (the ski-rental rule).
  minHeadroomNodes: 0,
  headroomFraction: 0,
  coveredArrivalShare: 0.25,
  idleGraceBreakEvens: 1,
  preWake: false,
  forecastWeeks: 4,
  forecastDays: 7,
  defaultProfile: BATSIM_PROFILE,
};

export class SomnusPolicy implements PowerPolicy {
  readonly name = 'somnus';
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
  private watermark = Number.NEGATIVE_INFINITY;
  private idsAtWatermark = new Set<string>();
  private reference: Resources | undefined;
  private referenceFleetSize = -1;

  constructor(options: Partial<SomnusOptions> = {}) {
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
  }

  observe(input: PolicyInput): void {
    const reference = this.referenceFor(input.fleet);
    let arrivals = 0;
    let newest = this.watermark;
    const atNewest = new Set<string>();
    const consider = (id: string, at: number): void => {
      if (at < this.watermark || (at === this.watermark && this.idsAtWatermark.has(id))) return;
      arrivals++;
      if (at > newest) {
        newest = at;
        atNewest.clear();
      }
      if (at === newest) atNewest.add(id);
    };
    let demand = 0;
    for (const w of input.demand.pending) {
      consider(w.id, w.submittedAt);
      demand += nodeEquivalents(w.requests, reference, w.replicas ?? 1);
    }
    for (const w of input.demand.running) consider(w.id, w.submittedAt);
    for (const node of input.fleet) demand += nodeEquivalents(node.allocated, reference);
    if (newest > this.watermark) {
      this.watermark = newest;
      this.idsAtWatermark = atNewest;
    } else for (const id of atNewest) this.idsAtWatermark.add(id);
    this.forecast.observe(input.now, demand, arrivals);
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
    const blockedByRunningWork = fitsOnEmptyFleet(fleet);
    for (const w of packing.unplaceable) if (blockedByRunningWork(w)) free -= nodeEquivalents(w.requests, reference, w.replicas ?? 1);
    let demandNodes = 0;
    for (const node of fleet) demandNodes += nodeEquivalents(node.allocated, reference);
    const floor = this.options.minHeadroomNodes + this.options.headroomFraction * demandNodes;
    const soon = Math.max(floor, this.forecast.riseBetween(now, now + this.reactMs, now));
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
      const longer = Math.max(floor, this.forecast.riseBetween(now, now + this.breakEvenMs + this.reactMs, now));
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
