import { at, captures } from './invariants';

describe('at', () => {
  it('returns the element at an index inside the list, null and falsy values included', () => {
    expect(at(['a', 'b'], 1, 'letter')).toBe('b');
    expect(at([0, null], 0, 'slot')).toBe(0);
    expect(at([0, null], 1, 'slot')).toBeNull();
    expect(at(new Float64Array([1.5]), 0, 'sample')).toBe(1.5);
  });

  it('names what was looked up when the index is outside the list', () => {
    expect(() => at(['a'], 1, 'queued job')).toThrow('queued job: no element at index 1 of 1');
    expect(() => at([], -1, 'queued job')).toThrow(RangeError);
  });
});

describe('captures', () => {
  it('returns the groups of a match, empty ones as empty strings', () => {
    const match = /^(\w+)=(\w*)$/.exec('zone=');
    if (!match) throw new Error('the pattern should match');
    expect(captures(match, 2, 'selector')).toEqual(['zone', '']);
  });

  it('refuses a group that took no part in the match', () => {
    const match = /^(\w+)(?:=(\w+))?$/.exec('zone');
    if (!match) throw new Error('the pattern should match');
    expect(() => captures(match, 2, 'selector')).toThrow('selector: capture group 2 did not take part in the match');
  });
});
