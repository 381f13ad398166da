/**
 * Machine descriptions in the Alea simulator's format: one pool a line, tab- (or space-) separated:
 * pool id, name, nodes, cores per node, speed, memory per node in KB.
 */
export interface MachinePool {
  readonly id: number;
  readonly name: string;
  readonly nodes: number;
  readonly coresPerNode: number;
  readonly speed: number;
  readonly memoryKBPerNode: number;
}

export function parseMachines(text: string, source = 'machines'): MachinePool[] {
  const pools: MachinePool[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const raw = rawLine.trim();
    if (raw === '' || raw.startsWith(';') || raw.startsWith('#')) return;
    const parts = raw.split(/\s+/);
    if (parts.length < 6) throw new Error(`${source} line ${i + 1}: expected 6 fields (id, name, nodes, cores per node, speed, memory KB), found ${parts.length}`);
    const name = parts[1];
    if (name === undefined) throw new Error(`${source} line ${i + 1}: expected a pool name in field 2`);
    const [id, nodes, cores, speed, memory] = [Number(parts[0]), Number(parts[2]), Number(parts[3]), Number(parts[4]), Number(parts[5])] as const;
    if (![id, nodes, cores, speed, memory].every(Number.isFinite) || nodes <= 0 || cores <= 0 || memory <= 0) {
      throw new Error(`${source} line ${i + 1}: nodes, cores per node and memory must be positive numbers ("${raw}")`);
    }
    pools.push({ id, name, nodes, coresPerNode: cores, speed, memoryKBPerNode: memory });
  });
  if (pools.length === 0) throw new Error(`${source}: no machine pool found`);
  return pools;
}
