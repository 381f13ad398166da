import { parseSwf, swfJobsToArrivals } from './swf-workload';

const SAMPLE = `; Version: 2.2
; MaxNodes: 240
    1        0 308434  31405   30  31405    -1   30  37980    -1  1   1   1  -1 -1  1 -1 -1
    2        8 308426     -1   30  31039    -1   30  37980    -1  1   1   1  -1 -1  1 -1 -1
    4   179350  99808 143967   -1 142977    -1    2 144000  2048  1   3   1  -1 -1  1 -1 -1
`;

describe('SWF workloads', () => {
  it('reads submit time, run time and processors, skipping jobs without a run time', () => {
    expect(parseSwf(SAMPLE)).toEqual([
      { id: 1, submitSeconds: 0, runSeconds: 31405, processors: 30, memoryKbPerProcessor: undefined },
      { id: 4, submitSeconds: 179350, runSeconds: 143967, processors: 2, memoryKbPerProcessor: 2048 },
    ]);
  });

  it('compresses time and clips requests to the largest pod the fleet can take', () => {
    const arrivals = swfJobsToArrivals(parseSwf(SAMPLE), { timeCompression: 100, maxCpuPerPod: 8 });
    expect(arrivals.map((arrival) => [arrival.name, arrival.atSeconds, arrival.cpu])).toEqual([
      ['swf-job-1', 0, 8],
      ['swf-job-4', 1793.5, 2],
    ]);
    expect(arrivals[1].runSeconds).toBeCloseTo(1439.67, 2);
    expect(arrivals[1].memoryMiB).toBe(64);
  });
});
