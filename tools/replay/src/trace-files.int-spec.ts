import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPowerProfile, readMachinesFile, readSwfFile } from './trace-files';
import { buildWorkload } from './workload';

// Reads the real traces from ../shared/data (file I/O, hence an integration test).
const DATA = join(__dirname, '../../../../shared/data');
const TRACES = join(DATA, 'traces');

describe('the real trace files', () => {
  beforeAll(() => {
    if (!existsSync(TRACES)) throw new Error(`the shared data is missing: expected ${TRACES}`);
  });

  it('reads the gzipped NASA iPSC trace: header, job count, -1 waits', () => {
    const trace = readSwfFile(join(TRACES, 'NASA-iPSC-1993-3.1-cln.swf.gz'));
    expect(trace.header.maxNodes).toBe(128);
    expect(trace.header.unixStartTime).toBe(749458803);
    expect(trace.jobs).toHaveLength(18239);
    expect(trace.jobs.every((j) => j.wait === -1)).toBe(true);
    const workload = buildWorkload(trace, {});
    expect(workload.nodes).toHaveLength(128);
    expect(workload.jobs.every((j) => j.processors >= 1 && j.processors <= 128)).toBe(true);
  });

  it('reads the plain HPC2N excerpt and its machines, leaving out jobs with unknown run time', () => {
    const trace = readSwfFile(join(TRACES, 'hpc2n-excerpt.swf'));
    expect(trace.header.maxNodes).toBe(240);
    expect(trace.jobs).toHaveLength(3170);
    const unknownRuntime = trace.jobs.filter((j) => j.runtime === -1).length;
    expect(unknownRuntime).toBeGreaterThan(0);
    const machines = readMachinesFile(join(TRACES, 'hpc2n-excerpt.swf.machines'));
    const workload = buildWorkload(trace, { machines });
    expect(workload.nodes).toHaveLength(120);
    expect(workload.nodes[0]?.cores).toBe(2);
    expect(workload.skipped).toBeGreaterThanOrEqual(unknownRuntime);
  });

  it('reads a SPECpower curve as a power profile', () => {
    const profile = loadPowerProfile('HpProLiantMl110G4Xeon3040', join(DATA, 'power-specs'));
    expect(profile.idleWatts).toBe(86);
    expect(profile.peakWatts).toBe(117);
    expect(profile.curveWatts).toHaveLength(11);
  });
});
