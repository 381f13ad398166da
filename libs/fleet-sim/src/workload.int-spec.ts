import { join } from 'node:path';
import { FleetSimulator, PodCompleted } from './fleet-simulator';
import { PodUnschedulable } from './binder';
import { loadPowerCurves } from './power-specs';
import { DEFAULT_TRACES_DIR, readSwfTrace, swfJobsToArrivals } from './swf-workload';

jest.setTimeout(30000);

describe('shared data', () => {
  it('reads the gzipped NASA iPSC trace and the plain HPC2N excerpt', () => {
    const nasa = readSwfTrace(join(DEFAULT_TRACES_DIR, 'NASA-iPSC-1993-3.1-cln.swf.gz'), 500);
    const hpc2n = readSwfTrace(join(DEFAULT_TRACES_DIR, 'hpc2n-excerpt.swf'));
    expect(nasa).toHaveLength(500);
    expect(nasa.every((job) => job.runSeconds > 0 && job.processors > 0)).toBe(true);
    expect(hpc2n.length).toBeGreaterThan(1000);
    expect(hpc2n[0]).toMatchObject({ id: 1, submitSeconds: 0, runSeconds: 31405, processors: 30 });
  });

  it('reads every SPECpower curve as 11 rising figures with the machine named', () => {
    const curves = loadPowerCurves();
    expect(curves.length).toBeGreaterThanOrEqual(7);
    for (const curve of curves) {
      expect(curve.curveWatts).toHaveLength(11);
      const [idle, peak] = [curve.curveWatts[0], curve.curveWatts[10]];
      if (idle === undefined || peak === undefined) throw new Error(`${curve.file} has no idle or peak point`);
      expect(peak).toBeGreaterThan(idle);
      expect(curve.machine).not.toBe('');
    }
  });
});

describe('a fleet playing an SWF workload', () => {
  let fleet: FleetSimulator | undefined;
  afterEach(() => fleet?.stop());

  it('binds the trace jobs as pods, completes them after their run time, and marks the too-big ones Unschedulable', async () => {
    const jobs = readSwfTrace(join(DEFAULT_TRACES_DIR, 'hpc2n-excerpt.swf'), 3);
    // Jobs 1-3 ask for 30 processors each: two cores per processor makes them too big for any node.
    const arrivals = [
      ...swfJobsToArrivals(jobs.slice(0, 2), { timeCompression: 10_000, cpuPerProcessor: 0.1 }),
      ...swfJobsToArrivals(jobs.slice(2, 3), { timeCompression: 10_000, cpuPerProcessor: 2, maxCpuPerPod: 64 }),
    ];
    fleet = await FleetSimulator.start({ nodes: 4, speed: 1, workload: arrivals, daemonSetPods: false });
    const completed: PodCompleted[] = [];
    const unschedulable: PodUnschedulable[] = [];
    fleet.on('pod-completed', (event) => completed.push(event));
    fleet.on('pod-unschedulable', (event) => unschedulable.push(event));

    for (let attempt = 0; attempt < 200 && (completed.length < 2 || unschedulable.length < 1); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(completed.map((event) => event.name).sort()).toEqual(['swf-job-1', 'swf-job-2']);
    expect(unschedulable.map((event) => event.name)).toEqual(['swf-job-3']);
    expect(unschedulable[0]?.message).toMatch(/^0\/4 nodes are available: .*4 Insufficient cpu/);
    expect(fleet.cluster.listPods().map((pod) => pod.metadata.name)).toEqual(['swf-job-3']);
  });
});
