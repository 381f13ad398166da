import { z } from 'zod';
import { Envelope, envelopeSchema } from './envelope';
import { MessageDefinition } from './message';

/** Why a payload was refused, as one line a person can act on: `capacity.cpu: must be positive; ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export class InvalidMessageError extends Error {
  constructor(
    readonly messageType: string,
    readonly problems: string,
  ) {
    super(`${messageType}: ${problems}`);
    this.name = 'InvalidMessageError';
  }
}

/** Parses the payload of `definition`, throwing an InvalidMessageError that names every problem. */
export function parsePayload<M extends MessageDefinition>(definition: M, data: unknown): z.infer<M['schema']> {
  const result = definition.schema.safeParse(data);
  if (!result.success) throw new InvalidMessageError(definition.type, describeIssues(result.error));
  return result.data as z.infer<M['schema']>;
}

/** Checks an envelope received from the wire against the envelope schema and its message's payload schema. */
export function parseEnvelope<M extends MessageDefinition>(definition: M, raw: unknown): Envelope<z.infer<M['schema']>> {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new InvalidMessageError(definition.type, `envelope ${describeIssues(envelope.error)}`);
  if (envelope.data.type !== definition.type) {
    throw new InvalidMessageError(definition.type, `envelope type is ${envelope.data.type}, expected ${definition.type}`);
  }
  return { ...(envelope.data as Envelope), data: parsePayload(definition, envelope.data.data) };
}
