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

type Strings<N extends number, R extends string[] = []> = R['length'] extends N ? R : Strings<N, [...R, string]>;

/**
 * The first `count` capture groups of a regular-expression match whose groups are not optional, so each one is a
 * string (maybe empty) whenever the pattern matched. A missing group means the pattern and the caller disagree.
 */
export function captures<N extends number>(match: RegExpExecArray, count: N, what: string): Strings<N> {
  const groups: string[] = [];
  for (let k = 1; k <= count; k++) {
    const group = match[k];
    if (group === undefined) throw new RangeError(`${what}: capture group ${k} did not take part in the match`);
    groups.push(group);
  }
  return groups as Strings<N>;
}
