/**
 * `npm run trace:synthetic -- [--days D] [--nodes N] [--seed S] > FILE.swf`: a synthetic job trace in the
 * Standard Workload Format, from the fleet simulator's seeded diurnal generator (daily cosine with a weekend
 * dip, log-normal run times). A trace no policy was tuned on, to check that the replay's conclusions hold.
 */
import { generateDiurnalWorkload } from '@somnus/fleet-sim';
import { parseCommandArgs } from '@somnus/runtime';

const { days, nodes, seed } = parseCommandArgs(process.argv.slice(2), { days: 14, nodes: 64, seed: 7 });
const arrivals = generateDiurnalWorkload({
  seed,
  durationSeconds: days * 86_400,
  // About a third of the fleet busy at the daily peak, as in the traces from the archive.
  peakPerHour: nodes * 0.6,
  medianRunSeconds: 1_800,
  maxArrivals: 200_000,
});
const lines = [
  '; Synthetic trace: fleet-sim diurnal generator',
  `; MaxNodes: ${nodes}`,
  `; MaxProcs: ${nodes}`,
  `; Seed: ${seed}, days: ${days}`,
];
arrivals.forEach((arrival, index) => {
  const processors = Math.min(nodes, Math.max(1, Math.ceil(arrival.cpu)));
  const fields = [index + 1, Math.round(arrival.atSeconds), -1, Math.max(1, Math.round(arrival.runSeconds)), processors, -1, -1, processors, -1, -1, 1, 1, 1, 1, 1, 1, -1, -1];
  lines.push(fields.join(' '));
});
process.stdout.write(`${lines.join('\n')}\n`);
