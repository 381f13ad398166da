import { ActivityParseError, parseNodeActivity } from './node-activity';

// As printed by `cat /proc/loadavg /proc/net/dev && who | wc -l` on a Linux node.
const SAMPLE = `0.52 0.58 0.59 1/389 12345
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9000000   12000    0    0    0     0          0         0  9000000   12000    0    0    0     0       0          0
  eth0: 1500000    3000    0    2    0     0          0        10   250000    2000    0    0    0     0       0          0
enp3s0:4294967296  700000    0    0    0     0          0         0 1000      10    0    0    0     0       0          0
3
`;

describe('parseNodeActivity', () => {
  it('reads load averages, network bytes without loopback, and the session count', () => {
    expect(parseNodeActivity(SAMPLE)).toEqual({
      load1: 0.52,
      load5: 0.58,
      load15: 0.59,
      netRxBytes: 1_500_000 + 4_294_967_296,
      netTxBytes: 250_000 + 1_000,
      sshSessions: 3,
    });
  });

  it('accepts an idle node with only loopback and no sessions', () => {
    const output = ['0.00 0.01 0.05 1/100 42', 'Inter-| a | b', ' face |c|d', `lo: ${'5 '.repeat(16)}`, '0'].join('\n');
    expect(parseNodeActivity(output)).toEqual({ load1: 0, load5: 0.01, load15: 0.05, netRxBytes: 0, netTxBytes: 0, sshSessions: 0 });
  });

  it.each([
    ['empty output', ''],
    ['no session count', SAMPLE.replace(/\n3\n$/, '\n')],
    ['a load line that is not numbers', SAMPLE.replace('0.52', 'high')],
    ['a truncated interface line', SAMPLE.replace('  eth0: 1500000    3000', '  eth0: 1500000')],
    ['no interface lines at all', '0.1 0.2 0.3 1/2 3\n1'],
  ])('rejects %s with a reason', (_name, output) => {
    expect(() => parseNodeActivity(output)).toThrow(ActivityParseError);
  });
});
