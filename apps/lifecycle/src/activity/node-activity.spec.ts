import { parseNodeActivity } from './node-activity';

const OUTPUT = [
  '0.52 0.40 0.30 1/123 4567',
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo: 9999 10 0 0 0 0 0 0 9999 10 0 0 0 0 0 0',
  '  eth0: 1000 10 0 0 0 0 0 0 400 4 0 0 0 0 0 0',
  '2',
].join('\n');

describe('parseNodeActivity', () => {
  it('reads load, non-loopback bytes and sessions', () => {
    expect(parseNodeActivity(OUTPUT)).toEqual({ load1: 0.52, netBytes: 1400, sshSessions: 2 });
  });

  it('refuses output that is not the activity command', () => {
    expect(() => parseNodeActivity('command not allowed')).toThrow();
    expect(() => parseNodeActivity(OUTPUT.replace('\n2', '\nmany'))).toThrow();
  });
});
