import { parseMachines } from './machines';
import { parseSwf, processorsOf, SwfFormatError } from './swf';

const HEADER = '; MaxNodes: 4\n; UnixStartTime: 1000\n; TimeZoneString: US/Pacific\n';
const line = (fields: number[]): string => fields.join(' ');
const JOB = [1, 0, -1, 100, 2, -1, -1, -1, -1, -1, 1, 1, 1, -1, -1, -1, -1, -1];

describe('parseSwf', () => {
  it('reads the header and -1 fields', () => {
    const trace = parseSwf(`${HEADER}${line(JOB)}\n${line([2, 10, -1, 50, -1, -1, -1, 3, 60, 1024, 1, 1, 1, -1, -1, -1, -1, -1])}\n`);
    expect(trace.header.maxNodes).toBe(4);
    expect(trace.header.unixStartTime).toBe(1000);
    expect(trace.header.timeZoneString).toBe('US/Pacific');
    expect(trace.jobs).toHaveLength(2);
    expect(processorsOf(trace.jobs[0])).toBe(2);
    expect(processorsOf(trace.jobs[1])).toBe(3); // field 5 unknown: requested processors
    expect(trace.jobs[1].requestedMemoryKB).toBe(1024);
  });

  it('names the line of a job with too few fields', () => {
    const text = `${HEADER}${line(JOB)}\n1 2 3\n`;
    expect(() => parseSwf(text, 'bad.swf')).toThrow(SwfFormatError);
    expect(() => parseSwf(text, 'bad.swf')).toThrow('bad.swf line 5: expected 18 fields, found 3');
  });

  it('names the line and field of a value that is not a number', () => {
    const fields = JOB.map(String);
    fields[3] = 'abc';
    expect(() => parseSwf(`${line(JOB)}\n${fields.join(' ')}\n`, 't')).toThrow('t line 2: field 4 is "abc", not a number');
  });
});

describe('parseMachines', () => {
  it('reads Alea pools', () => {
    expect(parseMachines('0\tseth\t120\t2\t1\t1048576\n')).toEqual([{ id: 0, name: 'seth', nodes: 120, coresPerNode: 2, speed: 1, memoryKBPerNode: 1048576 }]);
  });

  it('names a bad line', () => {
    expect(() => parseMachines('0 seth 120\n', 'm')).toThrow('m line 1: expected 6 fields');
  });
});
