import { at } from '@somnus/contracts';

interface Entry<T> {
  readonly time: number;
  /** Insertion order, the tie-breaker: equal times pop in the order they were pushed. */
  readonly seq: number;
  readonly item: T;
}

const before = <T>(a: Entry<T>, b: Entry<T>): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);

/** A binary min-heap of timed events; ties keep insertion order, so runs are deterministic. */
export class EventQueue<T> {
  private readonly heap: Array<Entry<T>> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number {
    return this.heap[0]?.time ?? Number.POSITIVE_INFINITY;
  }

  push(time: number, item: T): void {
    const entry: Entry<T> = { time, seq: this.seq++, item };
    const heap = this.heap;
    // Sift up with a hole: parents move down until the new entry's slot is found.
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = at(heap, p, 'event queue parent');
      if (!before(entry, parent)) break;
      heap[i] = parent;
      i = p;
    }
    heap[i] = entry;
  }

  /** The next event if it falls at exactly `time` (everything that happens at one instant), else undefined. */
  popAt(time: number): T | undefined {
    return this.heap[0]?.time === time ? this.pop()?.item : undefined;
  }

  pop(): { readonly time: number; readonly item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    // Sift the former last entry down from the root, children moving up into the hole.
    const size = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      let c = l;
      let child = at(heap, l, 'event queue child');
      if (l + 1 < size) {
        const right = at(heap, l + 1, 'event queue child');
        if (before(right, child)) {
          c = l + 1;
          child = right;
        }
      }
      if (!before(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}
