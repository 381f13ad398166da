// Parses the output of SSH_COMMANDS.activity (`cat /proc/loadavg /proc/net/dev && who | wc -l`): what the
// power service reads for a driver and lifecycle for idle detection, one parser for both.

/** The activity output was not loadavg, /proc/net/dev and a session count. */
export class ActivityParseError extends Error {
  constructor(readonly reason: string) {
    super(`node activity output could not be read: ${reason}`);
    this.name = 'ActivityParseError';
  }
}

export interface NodeActivity {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
  /** Bytes received and sent since boot over every interface but loopback. */
  readonly netRxBytes: number;
  readonly netTxBytes: number;
  /** Logged-in sessions as counted by who(1). */
  readonly sshSessions: number;
}

const NUMBER = /^\d+(\.\d+)?$/;

/**
 * Pure. The output is three parts in order: one /proc/loadavg line, the /proc/net/dev table (two header
 * lines, then `iface: rx_bytes rx_packets ... tx_bytes ...`), and the `wc -l` count on the last line.
 */
export function parseNodeActivity(output: string): NodeActivity {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  const loadLine = lines[0];
  const sessionsLine = lines.at(-1);
  if (lines.length < 2 || loadLine === undefined || sessionsLine === undefined) {
    throw new ActivityParseError(`expected load average, network table and session count, got ${lines.length} line(s)`);
  }

  const loadFields = loadLine.split(/\s+/);
  const loads = loadFields.slice(0, 3);
  if (loads.length < 3 || !loads.every((field) => NUMBER.test(field))) {
    throw new ActivityParseError(`first line is not /proc/loadavg: "${loadLine.slice(0, 80)}"`);
  }
  const [load1, load5, load15] = loads.map(Number) as [number, number, number];

  if (!/^\d+$/.test(sessionsLine)) throw new ActivityParseError(`last line is not a session count: "${sessionsLine.slice(0, 80)}"`);

  let netRxBytes = 0;
  let netTxBytes = 0;
  let interfaces = 0;
  for (const line of lines.slice(1, -1)) {
    const colon = line.indexOf(':');
    // Header lines ("Inter-|   Receive ...", " face |bytes ...") carry "|" and no "iface:" prefix.
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    if (fields.length < 16 || !fields.every((field) => /^\d+$/.test(field))) {
      throw new ActivityParseError(`interface line for "${name}" does not have 16 counters`);
    }
    interfaces += 1;
    if (name === 'lo') continue; // loopback traffic says nothing about remote use
    netRxBytes += Number(fields[0]);
    netTxBytes += Number(fields[8]);
  }
  if (interfaces === 0) throw new ActivityParseError('no /proc/net/dev interface lines');

  return { load1, load5, load15, netRxBytes, netTxBytes, sshSessions: Number(sessionsLine) };
}
