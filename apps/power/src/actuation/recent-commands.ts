// Idempotency: the same command id twice performs one action. Commands arrive at least once (JetStream
// redelivers after a crash or a slow ack), so the second delivery must get the first one's result, whether
// that is still running or finished.

export type RecentCommand<R> = { readonly state: 'in-flight'; readonly result: Promise<R> } | { readonly state: 'finished'; readonly result: R };

/**
 * The last `capacity` finished commands and every one in flight. The oldest finished ones are forgotten
 * first; in-flight ones never are (their number is bounded by the rate limits). A command whose action
 * throws is forgotten, so a redelivery can try again.
 */
export class RecentCommands<R> {
  private readonly entries = new Map<string, RecentCommand<R>>();

  constructor(readonly capacity = 1_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('recent command capacity must be a positive whole number');
  }

  get size(): number {
    return this.entries.size;
  }

  get(commandId: string): RecentCommand<R> | undefined {
    return this.entries.get(commandId);
  }

  /** Runs `action` unless `commandId` is known; either way returns the one result for that id. */
  run(commandId: string, action: () => Promise<R>): { readonly duplicate: boolean; readonly result: Promise<R> } {
    const known = this.entries.get(commandId);
    if (known) return { duplicate: true, result: known.state === 'in-flight' ? known.result : Promise.resolve(known.result) };

    const result = action().then(
      (value) => {
        this.entries.set(commandId, { state: 'finished', result: value });
        this.evict();
        return value;
      },
      (error: unknown) => {
        this.entries.delete(commandId);
        throw error;
      },
    );
    this.entries.set(commandId, { state: 'in-flight', result });
    this.evict();
    return { duplicate: false, result };
  }

  private evict(): void {
    if (this.entries.size <= this.capacity) return;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.state === 'finished') this.entries.delete(id);
    }
  }
}

/** One power action per node at a time; the holder is named in the refusal of any other. */
export class NodeActionLocks {
  private readonly holders = new Map<string, { readonly action: string; readonly commandId: string }>();

  holder(nodeId: string): { readonly action: string; readonly commandId: string } | undefined {
    return this.holders.get(nodeId);
  }

  tryLock(nodeId: string, action: string, commandId: string): { ok: true; unlock(): void } | { ok: false; holder: { action: string; commandId: string } } {
    const holder = this.holders.get(nodeId);
    if (holder) return { ok: false, holder };
    const mine = { action, commandId };
    this.holders.set(nodeId, mine);
    return {
      ok: true,
      unlock: () => {
        if (this.holders.get(nodeId) === mine) this.holders.delete(nodeId);
      },
    };
  }
}
