import { z } from 'zod';

export const SERVICES = ['inventory', 'scheduler', 'power', 'lifecycle', 'audit', 'api-gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export type MessageKind = 'event' | 'command' | 'query';

/**
 * One message of the catalogue. `subject` and `type` are written out once, here, from the owner, the
 * name and the version: never from a class name, so a rename cannot strand messages already in flight.
 * A released version never changes meaning; a breaking change is a new version beside it.
 */
export interface MessageDefinition<
  K extends MessageKind = MessageKind,
  S extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly kind: K;
  readonly owner: ServiceName;
  readonly name: string;
  readonly version: number;
  readonly subject: string;
  readonly type: string;
  readonly description: string;
  readonly schema: S;
  /** Commands and queries answer with this payload. */
  readonly reply: R;
}

export type Payload<M extends MessageDefinition> = z.infer<M['schema']>;
export type ReplyOf<M extends MessageDefinition> = z.infer<M['reply']>;

const KIND_SEGMENT: Record<MessageKind, string> = { event: 'events', command: 'commands', query: 'queries' };

/** Root of every subject Somnus publishes; streams and consumers are built from it. */
export const SUBJECT_ROOT = 'somnus';
export const EVENTS_WILDCARD = `${SUBJECT_ROOT}.events.>`;
export const COMMANDS_WILDCARD = `${SUBJECT_ROOT}.commands.>`;
export const DEAD_LETTER_WILDCARD = `${SUBJECT_ROOT}.deadletter.>`;

/** Whether a catalogue subject is an event's or a command's (queries are never stored). */
export function kindOfSubject(subject: string): 'event' | 'command' | undefined {
  if (subject.startsWith(`${SUBJECT_ROOT}.${KIND_SEGMENT.event}.`)) return 'event';
  if (subject.startsWith(`${SUBJECT_ROOT}.${KIND_SEGMENT.command}.`)) return 'command';
  return undefined;
}

export function deadLetterSubject(consumer: string): string {
  return `${SUBJECT_ROOT}.deadletter.${consumer}`;
}

function define<K extends MessageKind, S extends z.ZodType, R extends z.ZodType>(
  kind: K,
  owner: ServiceName,
  name: string,
  version: number,
  description: string,
  schema: S,
  reply: R,
): MessageDefinition<K, S, R> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(name)) throw new Error(`message name "${name}" must be lower-case words`);
  return {
    kind,
    owner,
    name,
    version,
    subject: `${SUBJECT_ROOT}.${KIND_SEGMENT[kind]}.${owner}.${name}.v${version}`,
    type: `io.somnus.${owner}.${name}.v${version}`,
    description,
    schema,
    reply,
  };
}

const noReply = z.undefined();

export function defineEvent<S extends z.ZodType>(owner: ServiceName, name: string, version: number, description: string, schema: S) {
  return define('event', owner, name, version, description, schema, noReply);
}

/** The answer to a command: done with a result, or refused with a code and a reason a person can act on. */
export const commandFailureSchema = z.object({
  ok: z.literal(false),
  code: z.enum(['invalid', 'not-found', 'conflict', 'refused', 'unavailable']),
  reason: z.string(),
});
export type CommandFailure = z.infer<typeof commandFailureSchema>;

export function commandOutcomeSchema<R extends z.ZodType>(result: R) {
  return z.union([z.object({ ok: z.literal(true), result }), commandFailureSchema]);
}

export type CommandOutcome<T> = { ok: true; result: T } | CommandFailure;

export function defineCommand<S extends z.ZodType, R extends z.ZodType>(
  owner: ServiceName,
  name: string,
  version: number,
  description: string,
  schema: S,
  result: R,
) {
  return define('command', owner, name, version, description, schema, commandOutcomeSchema(result));
}

export function defineQuery<S extends z.ZodType, R extends z.ZodType>(
  owner: ServiceName,
  name: string,
  version: number,
  description: string,
  schema: S,
  reply: R,
) {
  return define('query', owner, name, version, description, schema, reply);
}
