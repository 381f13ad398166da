import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BATSIM_PROFILE, type PowerProfile } from '@somnus/domain';
import { at } from '@somnus/contracts';
import { parseMachines, type MachinePool } from './machines';
import { parseSwf, type SwfTrace } from './swf';

/** File reading for the replay (plain or gzipped SWF, Alea machines, SPECpower curves). */

function readMaybeGzipped(path: string): string {
  const bytes = readFileSync(path);
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
}

export function readSwfFile(path: string): SwfTrace {
  return parseSwf(readMaybeGzipped(path), basename(path));
}

export function readMachinesFile(path: string): MachinePool[] {
  return parseMachines(readFileSync(path, 'utf8'), basename(path));
}

/**
 * A SPECpower curve file (first line: watts at 0 %, 10 %, ..., 100 % load). Idle and peak come from the
 * curve; sleep draw is 5 % of peak (sleep states draw 4-6 % of nominal power, Xi et al., ISLPED 2013); boot
 * and suspend times stay Batsim's.
 */
export function parseSpecPowerCurve(text: string, source = 'power'): PowerProfile {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '');
  const values = (first ?? '').trim().split(/\s+/).map(Number);
  if (values.length !== 11 || !values.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new Error(`${source}: the first line must hold 11 wattages (0 %, 10 %, ..., 100 % load)`);
  }
  const peakWatts = at(values, 10, 'SPECpower 100 % load');
  return {
    idleWatts: at(values, 0, 'SPECpower idle'),
    peakWatts,
    sleepWatts: Math.round(peakWatts * 0.05 * 100) / 100,
    bootSeconds: BATSIM_PROFILE.bootSeconds,
    suspendSeconds: BATSIM_PROFILE.suspendSeconds,
    curveWatts: values,
  };
}

/** `batsim` (default), a path to a SPECpower file, or the name of one in ../shared/data/power-specs. */
export function loadPowerProfile(spec: string | undefined, powerSpecsDir: string): PowerProfile {
  if (!spec || spec === 'batsim') return BATSIM_PROFILE;
  const candidates = [spec, join(powerSpecsDir, spec), join(powerSpecsDir, `${spec}.txt`), join(powerSpecsDir, `PowerModelSpecPower${spec}.txt`)];
  for (const path of candidates) {
    try {
      return parseSpecPowerCurve(readFileSync(path, 'utf8'), basename(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`power profile "${spec}" not found: give "batsim", a SPECpower file, or a name from ${powerSpecsDir}`);
}
