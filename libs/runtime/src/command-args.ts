/** Reads `--name value` and `--flag` arguments of a Somnus command (demo, benchmarks); unknown ones are an error. */
export function parseCommandArgs<T extends Record<string, number | boolean>>(argv: string[], defaults: T): T {
  const result: Record<string, number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const name = arg.replace(/^--/, '');
    if (!arg.startsWith('--') || !(name in defaults)) {
      throw new Error(`unknown argument "${arg}"; expected ${Object.keys(defaults).map((k) => `--${k}`).join(', ')}`);
    }
    if (typeof defaults[name] === 'boolean') {
      result[name] = true;
      continue;
    }
    const value = Number(argv[(i += 1)]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
    result[name] = value;
  }
  return result as T;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));
