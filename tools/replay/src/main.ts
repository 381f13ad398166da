import { POLICY_NAMES, isPolicyName, type PolicyName } from '@somnus/policy';
import { join, resolve } from 'node:path';
import { writeHtmlReport } from './html-report';
import { replay } from './replay';
import { loadPowerProfile, readMachinesFile, readSwfFile } from './trace-files';
import { buildWorkload } from './workload';

const USAGE = `usage: npm run replay -- --trace FILE [--machines FILE] [--nodes N] [--power PROFILE] [--policies LIST] [--wait-budget B] [--report DIR] [--json]
  --trace FILE      Standard Workload Format trace, plain or .gz
  --machines FILE   Alea machine description (pools of nodes with cores and memory); jobs are packed by cores and memory
  --nodes N         fleet size in whole nodes (default: the header's MaxNodes)
  --power PROFILE   batsim (default), or a SPECpower curve file / name from ../shared/data/power-specs
  --policies LIST   comma-separated, from ${POLICY_NAMES.join(', ')} (default: all)
  --wait-budget B   somnus-no-wait with this wait budget instead of its 0.025: the share of new work that may
                    wait for a boot, in (0, 1) (a point on the energy/wait trade-off)
  --report DIR      write DIR/index.html with plots of nodes up and power over time
  --json            print one JSON line instead of a table`;

interface Args {
  trace?: string;
  machines?: string;
  nodes?: number;
  power?: string;
  policies: PolicyName[];
  waitBudget?: number;
  report?: string;
  json: boolean;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { policies: [...POLICY_NAMES], json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--trace': args.trace = value(); break;
      case '--machines': args.machines = value(); break;
      case '--nodes': {
        const n = Number(value());
        if (!Number.isInteger(n) || n <= 0) fail('--nodes must be a positive whole number');
        args.nodes = n;
        break;
      }
      case '--power': args.power = value(); break;
      case '--policies': {
        const names = value().split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = names.filter((n) => !isPolicyName(n));
        if (unknown.length > 0) fail(`unknown policy ${unknown.join(', ')}; choose from ${POLICY_NAMES.join(', ')}`);
        args.policies = names.filter(isPolicyName);
        break;
      }
      case '--wait-budget': {
        const b = Number(value());
        if (!(b > 0 && b < 1)) fail('--wait-budget must be a share between 0 and 1 (exclusive), e.g. 0.05');
        args.waitBudget = b;
        break;
      }
      case '--report': args.report = value(); break;
      case '--json': args.json = true; break;
      case '--help': case '-h': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: fail(`unknown option ${flag}`);
    }
  }
  if (!args.trace) fail('--trace FILE is required');
  if (args.waitBudget !== undefined && !args.policies.includes('somnus-no-wait')) {
    fail('--wait-budget sets the budget of somnus-no-wait: add somnus-no-wait to --policies');
  }
  return args;
}

function progressBar(): (policy: string, share: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (policy, share) => {
    const width = 30;
    const filled = Math.round(share * width);
    process.stderr.write(`\r${policy.padEnd(20)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)} %`);
    if (share >= 1) process.stderr.write('\n');
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const repoRoot = resolve(__dirname, '../../..');
  try {
    const trace = readSwfFile(args.trace!);
    const machines = args.machines ? readMachinesFile(args.machines) : undefined;
    const profile = loadPowerProfile(args.power, join(repoRoot, '../shared/data/power-specs'));
    const workload = buildWorkload(trace, { nodes: args.nodes, machines });
    const { report, results } = replay(workload, args.policies, profile, {
      somnusNoWait: args.waitBudget === undefined ? undefined : { waitBudget: args.waitBudget },
      onProgress: args.json ? undefined : progressBar(),
    });
    if (args.report) {
      const file = writeHtmlReport(args.report, args.trace!, report, results);
      if (!args.json) process.stdout.write(`report written to ${file}\n`);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const t = report.trace;
    process.stdout.write(`${args.trace}: ${t.jobs} jobs (${t.skippedJobs} skipped), ${t.days} days, ${t.nodes} nodes\n`);
    const header = ['policy', 'energy kWh', 'savings %', 'of clairvoyant %', 'wait p50 s', 'p95 s', 'p99 s', 'delayed >5 min', 'transitions', 'max/node/day'];
    const rows = report.policies.map((p) => [p.name, p.energyKWh, p.savingsPct, p.clairvoyantSharePct, p.waitP50S, p.waitP95S, p.waitP99S, p.delayedJobs, p.transitions, p.maxTransitionsPerNodeDay].map(String));
    rows.push(['clairvoyant', String(report.clairvoyant.energyKWh), String(report.clairvoyant.savingsPct), '100', '0', '0', '0', '0', '', '']);
    rows.push(['floor (busy only)', String(report.floor.energyKWh), '', '', '', '', '', '', '', '']);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |\n`;
    process.stdout.write(line(header) + `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n` + rows.map(line).join(''));
  } catch (error) {
    process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

main();
