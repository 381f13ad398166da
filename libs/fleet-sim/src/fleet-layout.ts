import { at, type Tier } from '@somnus/contracts';
import { BATSIM_PROFILE, PowerProfile } from '@somnus/domain';
import { PowerCurve } from './power-specs';
import { SimulatedNodeDefinition, SimulatedTaint } from './simulated-node';

interface MachineSize {
  size: string;
  cpu: number;
  memoryMiB: number;
  gpu: number;
  /** Which measured SPECpower curve fits this class of machine (matched on the file name). */
  curve: string;
}

/** Four machine classes, from a small tower to a GPU box, each paired with a measured curve of similar scale. */
const SIZES: MachineSize[] = [
  { size: 'small', cpu: 4, memoryMiB: 16_384, gpu: 0, curve: 'HpProLiantMl110G4' },
  { size: 'medium', cpu: 8, memoryMiB: 32_768, gpu: 0, curve: 'IbmX3250XeonX3470' },
  { size: 'large', cpu: 16, memoryMiB: 65_536, gpu: 0, curve: 'IbmX3550XeonX5670' },
  { size: 'gpu', cpu: 24, memoryMiB: 131_072, gpu: 2, curve: 'IbmX3550XeonX5675' },
];
const SIZE_PATTERN = [0, 1, 2, 0, 1, 3, 1, 2];
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
/** Sleep draws about 5 % of peak (Xi et al., ISLPED 2013). */
const SLEEP_SHARE_OF_PEAK = 0.05;

/** The tier of node `index` of `count`: a third dev, a quarter staging, most of the rest prod, the last eighth critical. */
function tierAt(index: number, count: number): Tier {
  const position = index / count;
  if (position < 1 / 3) return 'dev';
  if (position < 7 / 12) return 'staging';
  if (position < 7 / 8) return 'prod';
  return 'critical';
}

/** Locally administered unicast MACs (02:...) starting 02:53 ("S"omnus), numbered from 1. */
export function simulatedMac(index: number): string {
  const number = index + 1;
  return ['02', '53', '00', '00', (number >> 8) & 0xff, number & 0xff].map((part) => (typeof part === 'string' ? part : part.toString(16).padStart(2, '0'))).join(':');
}

export interface FleetLayoutOptions {
  /** Measured curves to draw profiles from; without them every node uses Batsim's linear profile. */
  powerCurves?: PowerCurve[];
  /** Override the Batsim boot and suspend delays (simulated seconds). */
  bootSeconds?: number;
  suspendSeconds?: number;
  namePrefix?: string;
}

function profileFor(size: MachineSize, options: FleetLayoutOptions): { profile: PowerProfile; machine?: string } {
  const timing = { bootSeconds: options.bootSeconds ?? BATSIM_PROFILE.bootSeconds, suspendSeconds: options.suspendSeconds ?? BATSIM_PROFILE.suspendSeconds };
  const curve = options.powerCurves?.find((candidate) => candidate.file.includes(size.curve));
  if (!curve) return { profile: { ...BATSIM_PROFILE, ...timing } };
  const idleWatts = at(curve.curveWatts, 0, `${curve.file} idle watts`);
  const peakWatts = at(curve.curveWatts, 10, `${curve.file} watts at 100 % load`);
  return {
    profile: { idleWatts, peakWatts, sleepWatts: Math.round(peakWatts * SLEEP_SHARE_OF_PEAK * 100) / 100, curveWatts: [...curve.curveWatts], ...timing },
    machine: curve.machine,
  };
}

/** The demo fleet: `count` nodes (24 by default) of mixed sizes and tiers, `sim-node-01` onwards. */
export function defaultFleet(count = 24, options: FleetLayoutOptions = {}): SimulatedNodeDefinition[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, index): SimulatedNodeDefinition => {
    const size = at(SIZES, at(SIZE_PATTERN, index % SIZE_PATTERN.length, 'size pattern'), 'machine size');
    const tier = tierAt(index, count);
    const name = `${options.namePrefix ?? 'sim-node'}-${String(index + 1).padStart(width, '0')}`;
    const { profile, machine } = profileFor(size, options);
    const taints: SimulatedTaint[] = size.gpu > 0 ? [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] : [];
    return {
      name,
      mac: simulatedMac(index),
      tier,
      capacity: { cpu: size.cpu, memoryMiB: size.memoryMiB, gpu: size.gpu },
      labels: {
        'kubernetes.io/hostname': name,
        'node.kubernetes.io/instance-type': size.size,
        'topology.kubernetes.io/zone': at(ZONES, index % ZONES.length, 'zone'),
        'somnus.io/tier': tier,
        ...(size.gpu > 0 ? { 'nvidia.com/gpu.present': 'true' } : {}),
      },
      taints,
      powerProfile: profile,
      machine,
      preSleepHooks: tier === 'prod' ? { 'flush-page-cache': 0 } : {},
    };
  });
}
