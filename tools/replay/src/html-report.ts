import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { at } from '@somnus/contracts';
import type { ReplayReport } from './replay';
import type { SimulationResult } from './simulator';

/** A self-contained HTML page: the figures table and, per policy, nodes up and fleet power over time (SVG). */

const WIDTH = 900;
const HEIGHT = 160;
const BUCKETS = 600;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** Time-weighted average of a step series over equal buckets. */
function bucketed(t: number[], values: number[], end: number): number[] {
  const out = new Array<number>(BUCKETS).fill(0);
  const size = end / BUCKETS;
  t.forEach((from, i) => {
    const to = t[i + 1] ?? end;
    const value = at(values, i, 'series value');
    for (let b = Math.floor(from / size); b < BUCKETS && b * size < to; b++) {
      const overlap = Math.min(to, (b + 1) * size) - Math.max(from, b * size);
      if (overlap > 0) out[b] = at(out, b, 'plot bucket') + (value * overlap) / size;
    }
  });
  return out;
}

function plot(title: string, values: number[], max: number, colour: string, unit: string): string {
  const points = values.map((v, i) => `${((i / (BUCKETS - 1)) * WIDTH).toFixed(1)},${(HEIGHT - (v / (max || 1)) * HEIGHT).toFixed(1)}`).join(' ');
  return `<figure><figcaption>${escapeHtml(title)} (max ${max.toFixed(0)} ${unit})</figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
<rect width="${WIDTH}" height="${HEIGHT}" fill="#fafafa" stroke="#ccc"/>
<polyline fill="none" stroke="${colour}" stroke-width="1" points="${points}"/></svg></figure>`;
}

export function writeHtmlReport(dir: string, traceName: string, report: ReplayReport, results: ReadonlyMap<string, SimulationResult>): string {
  mkdirSync(dir, { recursive: true });
  const end = Math.max(...[...results.values()].map((r) => r.endSeconds));
  const maxWatts = Math.max(...[...results.values()].map((r) => Math.max(...r.series.watts)));
  const rows = report.policies
    .map((p) => `<tr><td>${p.name}</td><td>${p.energyKWh}</td><td>${p.savingsPct}</td><td>${p.clairvoyantSharePct}</td><td>${p.waitP50S}</td><td>${p.waitP95S}</td><td>${p.waitP99S}</td><td>${p.delayedJobs}</td><td>${p.transitions}</td><td>${p.maxTransitionsPerNodeDay}</td></tr>`)
    .join('\n');
  const plots = [...results.values()]
    .map((r) => `<h2>${escapeHtml(r.policy)}</h2>
${plot('nodes up (awake or booting)', bucketed(r.series.t, r.series.up, end), report.trace.nodes, '#1f77b4', 'nodes')}
${plot('fleet power', bucketed(r.series.t, r.series.watts, end), maxWatts, '#d62728', 'W')}`)
    .join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Somnus replay: ${escapeHtml(basename(traceName))}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}figure{margin:0.5em 0}</style></head>
<body><h1>Replay of ${escapeHtml(basename(traceName))}</h1>
<p>${report.trace.jobs} jobs over ${report.trace.days} days on ${report.trace.nodes} nodes. Clairvoyant: ${report.clairvoyant.energyKWh} kWh (${report.clairvoyant.savingsPct} % saved); floor (busy time only): ${report.floor.energyKWh} kWh.</p>
<table><tr><th>policy</th><th>energy kWh</th><th>savings %</th><th>of clairvoyant %</th><th>added wait p50 s</th><th>p95 s</th><th>p99 s</th><th>delayed &gt; 5 min</th><th>transitions</th><th>max per node-day</th></tr>
${rows}</table>
${plots}
</body></html>`;
  const file = join(dir, 'index.html');
  writeFileSync(file, html);
  return file;
}
