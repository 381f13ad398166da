/**
 * `items[index]` where the caller's own logic guarantees the element exists: a loop bound, a heap slot, an index
 * taken from the same list. A miss is a bug, so it throws an error naming what was looked up rather than letting
 * `undefined` travel on. For lists whose elements are never `undefined` (the type parameter says so).
 */
export function at<T extends NonNullable<unknown> | null>(items: ArrayLike<T>, index: number, what: string): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`${what}: no element at index ${index} of ${items.length}`);
  return item;
}
