import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A measured SPECpower_ssj2008 curve: wall watts at 0 %, 10 %, ..., 100 % load. */
export interface PowerCurve {
  file: string;
  /** The machine, from the file's comment ("The power model of an IBM server x3550 (...)"). */
  machine: string;
  curveWatts: number[];
}

/** `../shared/data/power-specs` seen from the repository root (this file lives in libs/fleet-sim/src). */
export const DEFAULT_POWER_SPECS_DIR = resolve(__dirname, '../../../../shared/data/power-specs');

/** Parses one file: the first line holding 11 numbers is the curve; a comment line names the machine. */
export function parsePowerCurve(text: string, file = 'power-spec.txt'): PowerCurve {
  const lines = text.split(/\r?\n/);
  const numbers = lines
    .map((line) => line.trim())
    .find((line) => /^[\d.]+(\s+[\d.]+){10}$/.test(line));
  if (!numbers) throw new Error(`${file}: no line with 11 wattage figures (0..100 % load)`);
  const curveWatts = numbers.split(/\s+/).map(Number);
  const description = lines.map((line) => /power model of an? (.+?)\.?\s*$/i.exec(line)?.[1]).find(Boolean);
  return { file, machine: description ?? file.replace(/^PowerModelSpecPower|\.txt$/g, ''), curveWatts };
}

/** Every curve in a directory, sorted by file name; an absent directory gives none (callers fall back to Batsim). */
export function loadPowerCurves(dir = DEFAULT_POWER_SPECS_DIR): PowerCurve[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.txt')).sort();
  } catch {
    return [];
  }
  return files.map((file) => parsePowerCurve(readFileSync(join(dir, file), 'utf8'), file));
}
