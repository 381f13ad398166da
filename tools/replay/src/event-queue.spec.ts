import fc from 'fast-check';
import { EventQueue } from './event-queue';

const drain = <T>(queue: EventQueue<T>): Array<[number, T]> => {
  const out: Array<[number, T]> = [];
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) out.push([e.time, e.item]);
  return out;
};

describe('EventQueue', () => {
  it('is empty at first: infinite next time, nothing to pop', () => {
    const queue = new EventQueue<string>();
    expect(queue.size).toBe(0);
    expect(queue.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(queue.pop()).toBeUndefined();
  });

  it('pops by time, and equal times in the order they were pushed', () => {
    const queue = new EventQueue<string>();
    queue.push(5, 'c');
    queue.push(1, 'a');
    queue.push(5, 'd');
    queue.push(3, 'b');
    queue.push(5, 'e');
    expect(queue.peekTime()).toBe(1);
    expect(drain(queue)).toEqual([[1, 'a'], [3, 'b'], [5, 'c'], [5, 'd'], [5, 'e']]);
    expect(queue.size).toBe(0);
  });

  it('pops at an instant only what falls at that instant', () => {
    const queue = new EventQueue<string>();
    queue.push(2, 'b');
    queue.push(1, 'a');
    queue.push(2, 'c');
    expect(queue.popAt(2)).toBeUndefined();
    expect(queue.popAt(1)).toBe('a');
    expect(queue.popAt(1)).toBeUndefined();
    expect(queue.popAt(2)).toBe('b');
    expect(queue.popAt(2)).toBe('c');
    expect(queue.popAt(2)).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('orders any interleaving of pushes and pops as a stable sort would', () => {
    const op = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant('pop' as const));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new EventQueue<number>();
        const model: Array<[number, number]> = [];
        ops.forEach((o, n) => {
          if (o === 'pop') {
            model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
            const expected = model.shift();
            const got = queue.pop();
            expect(got && [got.time, got.item]).toEqual(expected);
          } else {
            queue.push(o, n);
            model.push([o, n]);
          }
          expect(queue.size).toBe(model.length);
        });
        model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(drain(queue)).toEqual(model);
      }),
    );
  });
});
