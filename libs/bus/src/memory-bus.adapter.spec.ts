import { describeBusContract } from './bus.contract';
import { MemoryBus, subjectMatches } from './memory-bus.adapter';

describe('MemoryBus', () => {
  describeBusContract(async () => new MemoryBus());
});

describe('subjectMatches', () => {
  it.each([
    ['somnus.events.>', 'somnus.events.inventory.node-upserted.v1', true],
    ['somnus.events.>', 'somnus.events', false],
    ['somnus.*.inventory.node-upserted.v1', 'somnus.events.inventory.node-upserted.v1', true],
    ['somnus.events.power.>', 'somnus.events.inventory.node-upserted.v1', false],
    ['somnus.commands.power.wake-node.v1', 'somnus.commands.power.wake-node.v1', true],
  ])('%s ~ %s -> %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});
