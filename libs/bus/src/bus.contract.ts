import { CreateNode, Envelope, MessageDefinition, newMessageId, NodeRemoved, ListNodes } from '@somnus/contracts';
import { MessageBus } from './bus.port';
import { uniqueName } from '@somnus/testing';

export function envelopeFor<M extends MessageDefinition>(definition: M, data: unknown, overrides: Partial<Envelope> = {}): Envelope {
  return {
    specversion: '1.0',
    id: newMessageId(),
    type: definition.type,
    source: 'test',
    time: new Date().toISOString(),
    data,
    actor: 'test:bus-contract',
    correlationId: newMessageId(),
    ...overrides,
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

const removed = (name: string) => ({ nodeId: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', name });

/**
 * The semantics every bus adapter must keep; run against the in-memory bus and against real JetStream.
 * `publishRaw` sends bytes that skip validation, as a broken producer would.
 */
export function describeBusContract(
  makeBus: () => Promise<MessageBus & { publishRaw(subject: string, raw: string): unknown }>,
): void {
  let bus: MessageBus & { publishRaw(subject: string, raw: string): unknown };

  beforeEach(async () => {
    bus = await makeBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  it('redelivers a message after its handler throws, then acks it', async () => {
    const durable = uniqueName('redeliver');
    const attempts: number[] = [];
    await bus.consume(NodeRemoved, { durable, backoffMs: [50] }, async ({ attempt }) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Error('transient failure');
    });
    await bus.publish(NodeRemoved, envelopeFor(NodeRemoved, removed('flaky')));
    await waitFor(() => attempts.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual([1, 2, 3]);
    expect(await bus.deadLetters(durable)).toEqual([]);
  });

  it('dead-letters a message after its last delivery, with the reason', async () => {
    const durable = uniqueName('exhaust');
    let calls = 0;
    await bus.consume(NodeRemoved, { durable, maxDeliveries: 2, backoffMs: [20] }, async () => {
      calls += 1;
      throw new Error('disk full');
    });
    await bus.publish(NodeRemoved, envelopeFor(NodeRemoved, removed('doomed')));
    await waitFor(async () => (await bus.deadLetters(durable)).length === 1);
    const [letter] = await bus.deadLetters(durable);
    expect(calls).toBe(2);
    expect(letter.reason).toContain('disk full');
    expect(letter.attempts).toBe(2);
  });

  it('delivers a re-published envelope id once', async () => {
    const durable = uniqueName('dedupe');
    const seen: string[] = [];
    await bus.consume(NodeRemoved, { durable }, async ({ envelope }) => void seen.push(envelope.id));
    const envelope = envelopeFor(NodeRemoved, removed('twice'));
    await bus.publish(NodeRemoved, envelope);
    await bus.publish(NodeRemoved, envelope);
    const other = envelopeFor(NodeRemoved, removed('other'));
    await bus.publish(NodeRemoved, other);
    await waitFor(() => seen.includes(other.id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.filter((id) => id === envelope.id)).toHaveLength(1);
  });

  it('refuses to publish an invalid payload, naming the field', async () => {
    await expect(bus.publish(NodeRemoved, envelopeFor(NodeRemoved, { nodeId: 'not-a-uuid', name: 'x' }))).rejects.toThrow(/nodeId/);
  });

  it('dead-letters an invalid message without crashing the consumer', async () => {
    const durable = uniqueName('invalid');
    const handled: string[] = [];
    await bus.consume(NodeRemoved, { durable }, async ({ envelope }) => void handled.push(envelope.data.name));
    await bus.publishRaw(NodeRemoved.subject, JSON.stringify(envelopeFor(NodeRemoved, { nodeId: 42 })));
    await bus.publishRaw(NodeRemoved.subject, 'not json at all');
    await bus.publish(NodeRemoved, envelopeFor(NodeRemoved, removed('valid-after')));
    await waitFor(() => handled.includes('valid-after'));
    await waitFor(async () => (await bus.deadLetters(durable)).length === 2);
    const reasons = (await bus.deadLetters(durable)).map((letter) => letter.reason);
    expect(reasons.some((reason) => reason.includes('nodeId'))).toBe(true);
    expect(reasons.some((reason) => reason.includes('not valid JSON'))).toBe(true);
  });

  it('returns a command outcome to the caller that executes it', async () => {
    await bus.consume(CreateNode, { durable: uniqueName('create') }, async ({ envelope }) => ({
      ok: false as const,
      code: 'conflict' as const,
      reason: `a node named ${envelope.data.name} exists`,
    }));
    const outcome = await bus.execute(CreateNode, envelopeFor(CreateNode, { name: 'dup', capacity: { cpu: 4, memoryMiB: 8192 } }), 5_000);
    expect(outcome).toEqual({ ok: false, code: 'conflict', reason: 'a node named dup exists' });
  });

  it('answers a command with `accepted` when its owner does not answer in time', async () => {
    const envelope = envelopeFor(CreateNode, { name: 'later', capacity: { cpu: 1, memoryMiB: 512 } });
    expect(await bus.execute(CreateNode, envelope, 100)).toEqual({ ok: 'accepted', commandId: envelope.id });
  });

  it('answers queries by request/reply and times out when nobody answers', async () => {
    const serving = await bus.serve(ListNodes, async ({ data }) => ({ items: [], total: data.limit }));
    const answer = await bus.request(ListNodes, envelopeFor(ListNodes, { limit: 7, offset: 0 }), 2_000);
    expect(answer).toEqual({ items: [], total: 7 });
    await serving.stop();
    await expect(bus.request(ListNodes, envelopeFor(ListNodes, { limit: 7, offset: 0 }), 200)).rejects.toThrow(/no answer/);
  });

  it('hands every event and command to a batch consumer with envelope intact', async () => {
    const durable = uniqueName('all');
    const types = new Set<string>();
    const correlation = newMessageId();
    await bus.consumeAll({ durable, kinds: ['event', 'command'], maxBatch: 10 }, async (deliveries) => {
      for (const { envelope } of deliveries) if (envelope.correlationId === correlation) types.add(envelope.type);
    });
    await bus.publish(NodeRemoved, envelopeFor(NodeRemoved, removed('audited'), { correlationId: correlation }));
    await bus.publish(CreateNode, envelopeFor(CreateNode, { name: 'audited', capacity: { cpu: 1, memoryMiB: 1 } }, { correlationId: correlation }));
    await waitFor(() => types.size === 2);
    expect([...types].sort()).toEqual([CreateNode.type, NodeRemoved.type].sort());
  });
}
