import {
  commandFailureSchema,
  Envelope,
  envelopeSchema,
  describeIssues,
  InvalidMessageError,
  MessageDefinition,
  parseEnvelope,
} from '@somnus/contracts';
import { backoffFor, BusInstrumentation, ConsumerOptions, DEFAULT_MAX_DELIVERIES, Delivery, MessageHandler } from './bus.port';

/** What an adapter does with a delivery once the handler has run. */
export type Verdict =
  | { kind: 'ack'; envelope: Envelope; outcome?: unknown }
  | { kind: 'retry'; delayMs: number; reason: string }
  | { kind: 'dead'; reason: string };

export function decodeJson(raw: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false, reason: 'message is not valid JSON' };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The semantics both adapters share: validate, run the handler, then ack, retry with backoff or
 * dead-letter. A validation failure is final at once (redelivering cannot fix it).
 */
export async function runDelivery<M extends MessageDefinition>(
  definition: M,
  raw: string,
  attempt: number,
  subject: string,
  options: ConsumerOptions,
  handler: MessageHandler<M>,
  instrumentation?: BusInstrumentation,
): Promise<Verdict> {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return { kind: 'dead', reason: decoded.reason };
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(definition, decoded.value);
  } catch (error) {
    return { kind: 'dead', reason: error instanceof InvalidMessageError ? `invalid ${error.message}` : errorText(error) };
  }
  const delivery: Delivery = { envelope, attempt, subject };
  try {
    const run = () => handler(delivery as Parameters<MessageHandler<M>>[0]);
    const outcome = instrumentation ? await instrumentation.aroundHandler(options.durable, envelope, run) : await run();
    if (definition.kind === 'command') {
      const checked = definition.reply.safeParse(outcome);
      if (!checked.success) {
        return { kind: 'dead', reason: `handler returned an invalid outcome: ${describeIssues(checked.error)}` };
      }
    }
    return { kind: 'ack', envelope, outcome };
  } catch (error) {
    const reason = `handler failed on attempt ${attempt}: ${errorText(error)}`;
    if (attempt >= (options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES)) return { kind: 'dead', reason };
    return { kind: 'retry', delayMs: backoffFor(attempt, options.backoffMs), reason };
  }
}

/** Envelope-only validation for batch consumers that read many message types (the audit trail). */
export function decodeAnyEnvelope(raw: string): { ok: true; envelope: Envelope } | { ok: false; reason: string } {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded;
  const parsed = envelopeSchema.safeParse(decoded.value);
  if (!parsed.success) return { ok: false, reason: `invalid envelope: ${describeIssues(parsed.error)}` };
  return { ok: true, envelope: parsed.data as Envelope };
}

/** The outcome sent back to a waiting `execute` when a command reached the dead-letter subject. */
export function deadLetterOutcome(reason: string) {
  return commandFailureSchema.parse({ ok: false, code: 'invalid', reason });
}
