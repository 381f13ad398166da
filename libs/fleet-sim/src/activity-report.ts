/** What a node's `activity` command reports, before it is printed in /proc and who(1) formats. */
export interface NodeActivity {
  /** 1, 5 and 15 minute load averages. */
  loadAverage: [number, number, number];
  runnableTasks: number;
  totalTasks: number;
  lastPid: number;
  interfaces: Array<{ name: string; rxBytes: number; rxPackets: number; txBytes: number; txPackets: number }>;
  /** Logged-in (interactive) sessions, as `who | wc -l` counts them. */
  sessions: number;
}

/**
 * The output of `cat /proc/loadavg /proc/net/dev && who | wc -l` on Linux: the loadavg line, the two-line
 * /proc/net/dev header with one line per interface, then the session count.
 */
export function renderActivity(activity: NodeActivity): string {
  const [one, five, fifteen] = activity.loadAverage.map((load) => load.toFixed(2));
  const loadavg = `${one} ${five} ${fifteen} ${activity.runnableTasks}/${activity.totalTasks} ${activity.lastPid}`;
  const header = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  ];
  const interfaces = activity.interfaces.map((nic) => {
    const receive = [nic.rxBytes, nic.rxPackets, 0, 0, 0, 0, 0, 0].map((value) => String(Math.floor(value)).padStart(8));
    const transmit = [nic.txBytes, nic.txPackets, 0, 0, 0, 0, 0, 0].map((value) => String(Math.floor(value)).padStart(8));
    return `${nic.name.padStart(6)}:${receive.join(' ')} ${transmit.join(' ')}`;
  });
  return [loadavg, ...header, ...interfaces, String(activity.sessions)].join('\n') + '\n';
}
