// Parses SSH_COMMANDS.activity output (`cat /proc/loadavg /proc/net/dev && who | wc -l`).
// NOTE: duplicates apps/power/src/drivers/node-activity.ts; both should move to a shared library.

export interface NodeActivity {
  load1: number;
  /** Bytes received plus sent since boot over every interface but loopback. */
  netBytes: number;
  sshSessions: number;
}

export function parseNodeActivity(output: string): NodeActivity {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const load1 = Number(lines[0]?.split(/\s+/)[0]);
  const sessions = lines.at(-1) ?? '';
  if (lines.length < 3 || !Number.isFinite(load1) || !/^\d+$/.test(sessions)) {
    throw new Error('activity output is not loadavg, /proc/net/dev and a session count');
  }
  let netBytes = 0;
  for (const line of lines.slice(1, -1)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue; // the two header lines
    if (line.slice(0, colon).trim() === 'lo') continue; // loopback says nothing about remote use
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 16 || fields.some((f) => !Number.isFinite(f))) throw new Error(`interface line "${line.slice(0, 40)}" does not have 16 counters`);
    netBytes += fields[0] + fields[8];
  }
  return { load1, netBytes, sshSessions: Number(sessions) };
}
