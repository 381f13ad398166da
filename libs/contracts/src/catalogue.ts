import { z } from 'zod';
import { lifecycleStateSchema, powerStateSchema } from './lifecycle.schema';
import { defineCommand, defineEvent, defineQuery, MessageDefinition } from './message';
import { nodePatchSchema, nodeSchema, nodeSpecSchema, tierSchema } from './node.schema';

const nodeRef = z.object({ nodeId: z.string().uuid() });
const reasonSchema = z.string().min(1).max(2000);
const pageSchema = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});

/* ----------------------------------------------------------------------------------------------- inventory */

export const CreateNode = defineCommand('inventory', 'create-node', 1, 'Add a node to the catalogue.', nodeSpecSchema, nodeSchema);
export const UpdateNode = defineCommand(
  'inventory',
  'update-node',
  1,
  'Change fields of a catalogued node; `expectedVersion` guards against lost updates.',
  z.object({ nodeId: z.string().uuid(), patch: nodePatchSchema, expectedVersion: z.number().int().positive().optional() }),
  nodeSchema,
);
export const DeleteNode = defineCommand('inventory', 'delete-node', 1, 'Remove a node from the catalogue.', nodeRef, nodeRef);

export const NodeUpserted = defineEvent('inventory', 'node-upserted', 1, 'A node was added to the catalogue or changed.', z.object({ node: nodeSchema, created: z.boolean() }));
export const NodeRemoved = defineEvent('inventory', 'node-removed', 1, 'A node left the catalogue.', z.object({ nodeId: z.string().uuid(), name: z.string() }));

export const ListNodes = defineQuery(
  'inventory',
  'list-nodes',
  1,
  'Catalogue page, optionally filtered by tier or a label.',
  pageSchema.extend({ tier: tierSchema.optional(), label: z.string().optional() }),
  z.object({ items: z.array(nodeSchema), total: z.number().int() }),
);
export const GetNode = defineQuery('inventory', 'get-node', 1, 'One node by id or name.', z.object({ idOrName: z.string().min(1) }), z.object({ node: nodeSchema.nullable() }));

/* ----------------------------------------------------------------------------------------------- audit */

export const auditRecordSchema = z.object({
  seq: z.number().int().positive(),
  messageId: z.string(),
  kind: z.enum(['event', 'command']),
  type: z.string(),
  subject: z.string().nullable(),
  nodeId: z.string().nullable(),
  actor: z.string(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  time: z.string(),
  recordedAt: z.string(),
  data: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export const QueryAudit = defineQuery(
  'audit',
  'query',
  1,
  'Audit records, newest first, filtered by node, type, actor, correlation and time range.',
  pageSchema.extend({
    nodeId: z.string().optional(),
    type: z.string().optional(),
    actor: z.string().optional(),
    correlationId: z.string().optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  }),
  z.object({ items: z.array(auditRecordSchema), total: z.number().int() }),
);

export const auditVerificationSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** First record whose hash or link does not hold, with what is wrong. */
  firstBroken: z.object({ seq: z.number().int(), problem: z.string() }).nullable(),
});
export const VerifyAudit = defineQuery('audit', 'verify', 1, 'Recompute the hash chain and report the first altered, inserted or deleted record.', z.object({}), auditVerificationSchema);

/* ----------------------------------------------------------------------------------------------- commands of the loop */

const actionCommand = z.object({ nodeId: z.string().uuid(), reason: reasonSchema });

export const WakeNode = defineCommand('power', 'wake-node', 1, 'Wake a sleeping node and verify it came up.', actionCommand, z.object({ nodeId: z.string().uuid(), accepted: z.boolean() }));
export const SleepNode = defineCommand('power', 'sleep-node', 1, 'Suspend a drained node (pre-sleep hooks first).', actionCommand, z.object({ nodeId: z.string().uuid(), accepted: z.boolean() }));
export const PowerOffNode = defineCommand('power', 'power-off-node', 1, 'Power a drained node off.', actionCommand, z.object({ nodeId: z.string().uuid(), accepted: z.boolean() }));
export const DrainNode = defineCommand(
  'lifecycle',
  'drain-node',
  1,
  'Cordon a node and move its workloads away, then ask power to put it to sleep.',
  actionCommand.extend({ thenSleep: z.boolean().default(true) }),
  z.object({ nodeId: z.string().uuid(), accepted: z.boolean() }),
);

/* ----------------------------------------------------------------------------------------------- power events */

const powerEvent = z.object({ nodeId: z.string().uuid(), driver: z.string(), attempt: z.number().int().min(1).optional(), detail: z.string().optional() });
export const NodeWaking = defineEvent('power', 'node-waking', 1, 'A wake was sent to a node (one event per attempt).', powerEvent);
export const NodeWoke = defineEvent('power', 'node-woke', 1, 'A node answered after a wake and is verified reachable.', powerEvent.extend({ verifiedBy: z.array(z.string()), seconds: z.number() }));
export const NodeWakeFailed = defineEvent('power', 'node-wake-failed', 1, 'A wake was not verified after the last retry.', powerEvent.extend({ reason: reasonSchema }));
export const NodeSleeping = defineEvent('power', 'node-sleeping', 1, 'A suspend or power-off was sent to a node.', powerEvent);
export const NodeSlept = defineEvent('power', 'node-slept', 1, 'A node is confirmed asleep or off.', powerEvent);
export const NodeSleepFailed = defineEvent('power', 'node-sleep-failed', 1, 'A suspend or power-off did not succeed.', powerEvent.extend({ reason: reasonSchema }));
export const PowerActionRefused = defineEvent('power', 'action-refused', 1, 'A power action was refused (rate limit, unknown host key, missing settings).', z.object({ nodeId: z.string().uuid(), action: z.enum(['wake', 'sleep', 'power-off']), reason: reasonSchema }));
export const EnergySampled = defineEvent('power', 'energy-sampled', 1, 'Energy a node used over an interval.', z.object({ nodeId: z.string().uuid(), from: z.string(), to: z.string(), joules: z.number().min(0), watts: z.number().min(0) }));

export const energyTotalsSchema = z.object({
  from: z.string().nullable(),
  to: z.string(),
  joules: z.number(),
  alwaysOnJoules: z.number(),
  savedJoules: z.number(),
  savedPercent: z.number(),
  kWh: z.number(),
  alwaysOnKWh: z.number(),
  nodes: z.array(
    z.object({ nodeId: z.string(), name: z.string().nullable(), powerState: powerStateSchema, joules: z.number(), alwaysOnJoules: z.number(), savedJoules: z.number() }),
  ),
});
export const GetEnergyTotals = defineQuery(
  'power',
  'energy-totals',
  1,
  'Energy used per node and in total against always-on, over a time range (default: since metering began).',
  z.object({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(), nodeId: z.string().uuid().optional() }),
  energyTotalsSchema,
);

/* ----------------------------------------------------------------------------------------------- lifecycle events */

export const NodeTransitioned = defineEvent(
  'lifecycle',
  'node-transitioned',
  1,
  'A node moved from one lifecycle state to another, with the reason.',
  z.object({ nodeId: z.string().uuid(), from: lifecycleStateSchema.nullable(), to: lifecycleStateSchema, reason: reasonSchema }),
);
export const TransitionRejected = defineEvent(
  'lifecycle',
  'transition-rejected',
  1,
  'An invalid lifecycle transition was asked for and not applied.',
  z.object({ nodeId: z.string().uuid(), from: lifecycleStateSchema, to: lifecycleStateSchema, reason: reasonSchema }),
);
export const NodeIdle = defineEvent('lifecycle', 'node-idle', 1, 'A node had no movable work and low activity for the grace period.', z.object({ nodeId: z.string().uuid(), idleSince: z.string(), activity: z.record(z.string(), z.number()) }));
export const DrainCompleted = defineEvent('lifecycle', 'drain-completed', 1, 'A node was cordoned and its workloads moved away.', z.object({ nodeId: z.string().uuid(), evicted: z.number().int() }));
export const DrainRejected = defineEvent('lifecycle', 'drain-rejected', 1, 'A drain or sleep was refused by a safety check.', z.object({ nodeId: z.string().uuid(), check: z.string(), reason: reasonSchema }));

/* ----------------------------------------------------------------------------------------------- scheduler events */

export const decisionSchema = z.object({
  action: z.enum(['wake', 'sleep', 'hold']),
  nodeId: z.string().uuid().nullable(),
  reason: reasonSchema,
  policy: z.string(),
  dryRun: z.boolean(),
  /** Machine-readable reason, stable across versions (unschedulable-work, forecast, low-demand, calendar, ...); optional for senders before it existed. */
  code: z.string().optional(),
});
export const DecisionMade = defineEvent('scheduler', 'decision-made', 1, 'The scheduler decided to wake, sleep or hold, and why.', decisionSchema);

/* ----------------------------------------------------------------------------------------------- lifecycle queries */

export const transitionRecordSchema = z.object({
  from: lifecycleStateSchema.nullable(),
  to: lifecycleStateSchema,
  reason: z.string(),
  actor: z.string(),
  at: z.string(),
});
export type TransitionRecord = z.infer<typeof transitionRecordSchema>;

export const nodeStateSchema = z.object({
  nodeId: z.string().uuid(),
  name: z.string(),
  state: lifecycleStateSchema,
  powerState: powerStateSchema,
  since: z.string(),
  lastTransition: transitionRecordSchema.nullable(),
});
export type NodeState = z.infer<typeof nodeStateSchema>;

export const GetNodeState = defineQuery(
  'lifecycle',
  'get-node-state',
  1,
  "A node's lifecycle state, power state and last transition, with its recent history.",
  z.object({ nodeId: z.string().uuid(), historyLimit: z.number().int().min(0).max(1000).default(20) }),
  z.object({ state: nodeStateSchema.nullable(), history: z.array(transitionRecordSchema) }),
);
export const ListNodeStates = defineQuery('lifecycle', 'list-node-states', 1, 'Lifecycle and power state of every node.', z.object({}), z.object({ items: z.array(nodeStateSchema) }));

export const SetMaintenance = defineCommand(
  'lifecycle',
  'set-maintenance',
  1,
  'An operator holds a node in maintenance (automation never touches it) or releases it.',
  z.object({ nodeId: z.string().uuid(), maintenance: z.boolean(), reason: reasonSchema }),
  nodeStateSchema,
);

/* ----------------------------------------------------------------------------------------------- scheduler: calendars and decisions */

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are HH:MM, 24-hour, e.g. 08:00');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A window during which the selected nodes are held awake; outside every window, sleep is allowed. */
export const calendarSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'name must be lower-case letters, digits and "-"'),
    /** IANA time zone, e.g. Europe/Paris. */
    timeZone: z.string().min(1).refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'timeZone must be an IANA time zone such as Europe/Paris or UTC'),
    days: z.array(z.enum(WEEKDAYS)).min(1, 'days needs at least one of mon..sun'),
    start: localTime,
    end: localTime,
    /** Wake the selected sleeping nodes when the window opens. */
    wakeAtStart: z.boolean().default(false),
    /** Which nodes: tiers and/or a label `key=value`; empty means every node. */
    selector: z.object({ tiers: z.array(tierSchema).optional(), label: z.string().optional() }).default({}),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((c) => c.start !== c.end, { message: 'start and end must differ', path: ['end'] });
export type CalendarSpec = z.infer<typeof calendarSpecSchema>;

export const calendarSchema = z.object({ id: z.string().uuid(), version: z.number().int().positive(), spec: calendarSpecSchema, createdAt: z.string(), updatedAt: z.string() });
export type Calendar = z.infer<typeof calendarSchema>;

export const CreateCalendar = defineCommand('scheduler', 'create-calendar', 1, 'Add a calendar window.', calendarSpecSchema, calendarSchema);
export const UpdateCalendar = defineCommand(
  'scheduler',
  'update-calendar',
  1,
  'Replace a calendar window.',
  z.object({ calendarId: z.string().uuid(), spec: calendarSpecSchema }),
  calendarSchema,
);
export const DeleteCalendar = defineCommand('scheduler', 'delete-calendar', 1, 'Remove a calendar window.', z.object({ calendarId: z.string().uuid() }), z.object({ calendarId: z.string().uuid() }));
export const ListCalendars = defineQuery('scheduler', 'list-calendars', 1, 'Every calendar window.', z.object({}), z.object({ items: z.array(calendarSchema) }));

export const recordedDecisionSchema = decisionSchema.extend({ id: z.string().uuid(), at: z.string(), nodeName: z.string().nullable() });
export const ListDecisions = defineQuery(
  'scheduler',
  'list-decisions',
  1,
  'Decisions, newest first, with their reasons.',
  pageSchema.extend({ nodeId: z.string().uuid().optional(), action: z.enum(['wake', 'sleep', 'hold']).optional() }),
  z.object({ items: z.array(recordedDecisionSchema), total: z.number().int() }),
);

/* ----------------------------------------------------------------------------------------------- api-gateway events */

export const API_ROLES = ['read', 'operate', 'admin'] as const;
export const apiRoleSchema = z.enum(API_ROLES);
export type ApiRole = z.infer<typeof apiRoleSchema>;

const tokenEvent = z.object({ tokenId: z.string().uuid(), name: z.string(), role: apiRoleSchema });
export const TokenIssued = defineEvent('api-gateway', 'token-issued', 1, 'An API token was created (its secret is never in the event).', tokenEvent);
export const TokenRevoked = defineEvent('api-gateway', 'token-revoked', 1, 'An API token was revoked.', tokenEvent);

/** Every message Somnus knows, for validation, the README catalogue and the AsyncAPI document. */
export const CATALOGUE: readonly MessageDefinition[] = [
  CreateNode,
  UpdateNode,
  DeleteNode,
  NodeUpserted,
  NodeRemoved,
  ListNodes,
  GetNode,
  QueryAudit,
  VerifyAudit,
  WakeNode,
  SleepNode,
  PowerOffNode,
  DrainNode,
  NodeWaking,
  NodeWoke,
  NodeWakeFailed,
  NodeSleeping,
  NodeSlept,
  NodeSleepFailed,
  PowerActionRefused,
  EnergySampled,
  NodeTransitioned,
  TransitionRejected,
  NodeIdle,
  DrainCompleted,
  DrainRejected,
  DecisionMade,
  TokenIssued,
  TokenRevoked,
  GetNodeState,
  ListNodeStates,
  SetMaintenance,
  CreateCalendar,
  UpdateCalendar,
  DeleteCalendar,
  ListCalendars,
  ListDecisions,
  GetEnergyTotals,
];

const byType = new Map(CATALOGUE.map((m) => [m.type, m]));
const bySubject = new Map(CATALOGUE.map((m) => [m.subject, m]));

export function messageByType(type: string): MessageDefinition | undefined {
  return byType.get(type);
}
export function messageBySubject(subject: string): MessageDefinition | undefined {
  return bySubject.get(subject);
}
