/**
 * `npm run demo -- --minutes M [--json]`: the all-in-one against the simulated fleet for M minutes of wall
 * time (a compressed scenario: by default a simulated day every 6 minutes), in a data directory of its own,
 * then a summary: decisions, transitions, refusals, the fleet at the end and energy against always-on.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAllInOne } from '@somnus/all-in-one';
import { parseCommandArgs, round } from '@somnus/runtime';

async function main(): Promise<void> {
  const { minutes, json, speed, nodes } = parseCommandArgs(process.argv.slice(2), { minutes: 5, json: false, speed: 240, nodes: 24 });
  const dataDir = mkdtempSync(join(tmpdir(), 'somnus-demo-'));
  Object.assign(process.env, {
    SOMNUS_DATA_DIR: dataDir,
    PORT: process.env.PORT ?? '0',
    SOMNUS_SIM_SPEED: String(speed),
    SOMNUS_SIM_NODES: String(nodes),
    SOMNUS_SUMMARY_EVERY_MS: String(Math.max(10_000, Math.round((minutes * 60_000) / 10))),
  });
  const write = (line: string) => (json ? undefined : process.stdout.write(`${line}\n`));
  const somnus = await startAllInOne({ logger: false, reporterOutput: write });
  write(`demo: ${nodes} simulated nodes at ${speed}x for ${minutes} min; API on ${somnus.host.url}`);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
  const reporter = somnus.reporter!;
  const summary = {
    minutes,
    speed,
    simulatedHours: round(((Date.now() - started) / 3_600_000) * speed, 1),
    nodes,
    decisions: reporter.counts.decisions,
    transitions: reporter.counts.transitions,
    refusals: reporter.counts.refusals,
    wakeFailures: reporter.counts.wakeFailures,
    fleetAtEnd: reporter.fleetState(),
    energy: (({ kWh, alwaysOnKWh, savedPct }) => ({ kWh: round(kWh, 2), alwaysOnKWh: round(alwaysOnKWh, 2), savedPct: round(savedPct, 1) }))(reporter.energy()),
  };
  write(reporter.summaryLine());
  await somnus.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `demo summary: ${JSON.stringify(summary, null, 2)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
