import { z } from 'zod';

/** Tiers in the order nodes are put to sleep: dev first, critical never. */
export const TIERS = ['dev', 'staging', 'prod', 'critical'] as const;
export const tierSchema = z.enum(TIERS, { message: `tier must be one of ${TIERS.join(', ')}` });
export type Tier = z.infer<typeof tierSchema>;

const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const SHA256_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

export const macSchema = z
  .string()
  .regex(MAC, 'mac must be six hex pairs separated by ":" or "-", e.g. 52:54:00:12:34:56')
  .transform((mac) => mac.toLowerCase().replace(/-/g, ':'));

export const ipSchema = z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address, e.g. 10.0.0.12' });
export const hostSchema = z.union([z.ipv4(), z.ipv6(), z.string().regex(/^[a-zA-Z0-9.-]{1,253}$/)], {
  message: 'must be an IP address or a host name',
});

export const capacitySchema = z.object({
  cpu: z.number().positive('capacity.cpu must be a positive number of cores'),
  memoryMiB: z.number().int().positive('capacity.memoryMiB must be a positive whole number'),
  gpu: z.number().int().min(0, 'capacity.gpu cannot be negative').default(0),
});

/** Measured or assumed power figures; defaults come from Batsim's energy platform (see shared/data). */
export const powerProfileSchema = z.object({
  idleWatts: z.number().positive(),
  peakWatts: z.number().positive(),
  sleepWatts: z.number().min(0),
  bootSeconds: z.number().positive(),
  suspendSeconds: z.number().positive(),
  /** Wall power at 0 %, 10 %, ..., 100 % load (SPECpower curve), when measured. */
  curveWatts: z.array(z.number().min(0)).length(11).optional(),
});

export const sshAccessSchema = z.object({
  host: hostSchema,
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).max(64),
  /** The server's host key, pinned: `SHA256:<base64>` as `ssh-keygen -lf` prints it. */
  hostKeySha256: z.string().regex(SHA256_FINGERPRINT, 'ssh.hostKeySha256 must look like SHA256:<43 base64 characters>'),
  /** Name of the private key in the power service's key store; never the key itself. */
  keyRef: z.string().min(1).default('default'),
});

export const wakeOnLanSchema = z.object({
  broadcast: ipSchema.default('255.255.255.255'),
  port: z.number().int().min(1).max(65535).default(9),
  repeat: z.number().int().min(1).max(10).default(3),
});

export const driverSettingsSchema = z.object({
  wake: z.enum(['wol', 'ipmi', 'redfish', 'none']).default('wol'),
  sleep: z.enum(['ssh-suspend', 'ssh-poweroff', 'ipmi', 'redfish', 'none']).default('ssh-suspend'),
  wol: wakeOnLanSchema.optional(),
  /** Hook scripts run (by name, from the power service's configuration) before suspend. */
  preSleepHooks: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]),
});

export const topologySchema = z.object({
  datacenter: z.string().max(63).optional(),
  zone: z.string().max(63).optional(),
  rack: z.string().max(63).optional(),
});

const labelsSchema = z.record(z.string().max(253), z.string().max(63)).default({});

/** What an operator writes: the node catalogue entry without the fields Somnus assigns. */
export const nodeSpecSchema = z.object({
  name: z.string().regex(NODE_NAME, 'name must be lower-case letters, digits, "-" or ".", at most 63 characters'),
  tier: tierSchema.default('dev'),
  mac: macSchema.optional(),
  ip: ipSchema.optional(),
  bmc: z.object({ address: hostSchema, protocol: z.enum(['ipmi', 'redfish']) }).optional(),
  ssh: sshAccessSchema.optional(),
  capacity: capacitySchema,
  labels: labelsSchema,
  taints: z
    .array(z.object({ key: z.string(), value: z.string().optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) }))
    .default([]),
  topology: topologySchema.default({}),
  powerProfile: powerProfileSchema.optional(),
  driver: driverSettingsSchema.default({ wake: 'wol', sleep: 'ssh-suspend', preSleepHooks: [] }),
  /** The Kubernetes node this machine runs as, when it is one. */
  kubernetesNodeName: z.string().optional(),
}).strict();
export type NodeSpec = z.infer<typeof nodeSpecSchema>;
export type NodeSpecInput = z.input<typeof nodeSpecSchema>;

/** Drops a field's default, so a patch that leaves a field out leaves it unchanged. */
function withoutDefault(field: z.ZodType): z.ZodType {
  return field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
}

/** A partial update: any field of the spec except the name; absent fields keep their value. */
export const nodePatchSchema = z
  .object(Object.fromEntries(Object.entries(nodeSpecSchema.omit({ name: true }).shape).map(([key, field]) => [key, withoutDefault(field).optional()])))
  .strict() as unknown as z.ZodType<Partial<Omit<NodeSpec, 'name'>>>;
export type NodePatch = z.infer<typeof nodePatchSchema>;

export const nodeSchema = nodeSpecSchema.extend({
  id: z.string().uuid(),
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Node = z.infer<typeof nodeSchema>;
