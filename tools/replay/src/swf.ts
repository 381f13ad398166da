/**
 * Standard Workload Format (Parallel Workloads Archive): one job a line, 18 whitespace-separated fields,
 * `;` header comments, -1 for unknown. Parsing is pure; reading files (plain or gzip) is in swf-file.ts.
 */
export interface SwfJob {
  /** 1-based line in the file, for messages. */
  readonly line: number;
  readonly id: number;
  /** Seconds from the start of the log. */
  readonly submit: number;
  readonly wait: number;
  readonly runtime: number;
  readonly allocatedProcessors: number;
  readonly averageCpuTime: number;
  readonly usedMemoryKB: number;
  readonly requestedProcessors: number;
  readonly requestedTime: number;
  /** KB per processor. */
  readonly requestedMemoryKB: number;
  readonly status: number;
  readonly user: number;
  readonly group: number;
  readonly executable: number;
  readonly queue: number;
  readonly partition: number;
  readonly precedingJob: number;
  readonly thinkTime: number;
}

export interface SwfHeader {
  readonly maxNodes?: number;
  readonly maxProcs?: number;
  readonly unixStartTime?: number;
  readonly timeZone?: number;
  readonly timeZoneString?: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface SwfTrace {
  readonly header: SwfHeader;
  readonly jobs: readonly SwfJob[];
}

export class SwfFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${source} line ${line}: ${detail}`);
    this.name = 'SwfFormatError';
  }
}

const FIELD_COUNT = 18;

export function parseSwf(text: string, source = 'trace'): SwfTrace {
  const fields: Record<string, string> = {};
  const jobs: SwfJob[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    if (raw.startsWith(';')) {
      const match = /^;\s*([A-Za-z]+)\s*:\s*(.*)$/.exec(raw);
      if (match && !(match[1] in fields)) fields[match[1]] = match[2].trim();
      continue;
    }
    const parts = raw.split(/\s+/);
    if (parts.length !== FIELD_COUNT) {
      throw new SwfFormatError(source, i + 1, `expected ${FIELD_COUNT} fields, found ${parts.length} ("${raw.slice(0, 60)}")`);
    }
    const v = parts.map((p, k) => {
      const n = Number(p);
      if (!Number.isFinite(n)) throw new SwfFormatError(source, i + 1, `field ${k + 1} is "${p}", not a number`);
      return n;
    });
    jobs.push({
      line: i + 1,
      id: v[0],
      submit: v[1],
      wait: v[2],
      runtime: v[3],
      allocatedProcessors: v[4],
      averageCpuTime: v[5],
      usedMemoryKB: v[6],
      requestedProcessors: v[7],
      requestedTime: v[8],
      requestedMemoryKB: v[9],
      status: v[10],
      user: v[11],
      group: v[12],
      executable: v[13],
      queue: v[14],
      partition: v[15],
      precedingJob: v[16],
      thinkTime: v[17],
    });
  }
  const num = (key: string): number | undefined => {
    const value = fields[key] === undefined ? Number.NaN : Number(fields[key].split(/\s+/)[0]);
    return Number.isFinite(value) ? value : undefined;
  };
  return {
    header: {
      maxNodes: num('MaxNodes'),
      maxProcs: num('MaxProcs'),
      unixStartTime: num('UnixStartTime'),
      timeZone: num('TimeZone'),
      timeZoneString: fields.TimeZoneString,
      fields,
    },
    jobs,
  };
}

/** Processors a job uses: allocated (field 5), else requested (field 8); undefined when neither is known. */
export function processorsOf(job: SwfJob): number | undefined {
  if (job.allocatedProcessors > 0) return job.allocatedProcessors;
  if (job.requestedProcessors > 0) return job.requestedProcessors;
  return undefined;
}
