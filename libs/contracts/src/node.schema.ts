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

const SECRET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** The name of a file in the power service's secrets directory (`SOMNUS_SECRETS_DIR`); never the secret itself. */
export const secretRefSchema = z.string().regex(SECRET_REF, 'must name a file in SOMNUS_SECRETS_DIR: letters, digits, ".", "_" or "-", e.g. bmc-rack1');

/**
 * The node's baseboard management controller, used when `driver.wake` or `driver.sleep` is `ipmi` or
 * `redfish`. Default ports: 623 for IPMI, 443 for Redfish over https. `username` and `credentialRef` are
 * optional here so that a node can be catalogued before its credentials exist; the driver refuses without them.
 */
export const bmcSchema = z.object({
  protocol: z.enum(['ipmi', 'redfish']),
  address: hostSchema,
  port: z.number().int().min(1).max(65535).optional(),
  scheme: z.enum(['https', 'http']).optional(),
  username: z.string().min(1).max(64).optional(),
  credentialRef: secretRefSchema.optional(),
  tls: z
    .object({
      /** A PEM CA bundle in the secrets directory that the BMC's certificate must chain to. */
      caRef: secretRefSchema.optional(),
      /** The certificate's SHA-256 fingerprint (hex, with or without ":"), pinned instead of a CA. */
      pinnedSha256: z.string().regex(/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/, 'bmc.tls.pinnedSha256 must be 32 hex pairs').optional(),
      /** Turns certificate verification off; only when asked for explicitly. */
      insecure: z.boolean().default(false),
    })
    .optional(),
  ipmi: z
    .object({
      cipherSuite: z.number().int().min(0).max(17).default(17),
      privilege: z.enum(['CALLBACK', 'USER', 'OPERATOR', 'ADMINISTRATOR']).default('OPERATOR'),
    })
    .optional(),
});
export type BmcSettings = z.infer<typeof bmcSchema>;

/** An operator's executable run for `script` actions (see apps/power/README.md for its contract). */
export const scriptDriverSchema = z.object({
  /** Absolute path of the executable on the power service's host. */
  path: z.string().regex(/^\/[^\0]*$/, 'driver.script.path must be an absolute path'),
  timeoutSeconds: z.number().positive().max(3600).default(60),
  /** A secret passed on the script's standard input, never in its arguments or environment. */
  secretRef: secretRefSchema.optional(),
});

/** An HTTP endpoint (a smart plug, Home Assistant, a PDU) POSTed to for `webhook` actions, HMAC-signed. */
export const webhookDriverSchema = z.object({
  url: z.string().url('driver.webhook.url must be an http(s) URL').regex(/^https?:\/\//, 'driver.webhook.url must be http or https'),
  /** The HMAC key, from the secrets directory. */
  secretRef: secretRefSchema,
  timeoutSeconds: z.number().positive().max(300).default(10),
  retries: z.number().int().min(0).max(10).default(3),
});

export const WAKE_DRIVERS = ['wol', 'ipmi', 'redfish', 'script', 'webhook', 'none'] as const;
export const SLEEP_DRIVERS = ['ssh-suspend', 'ssh-poweroff', 'ipmi', 'redfish', 'script', 'webhook', 'none'] as const;

export const driverSettingsSchema = z.object({
  wake: z.enum(WAKE_DRIVERS).default('wol'),
  /** `ipmi` and `redfish` sleep means a graceful shutdown through the BMC. */
  sleep: z.enum(SLEEP_DRIVERS).default('ssh-suspend'),
  wol: wakeOnLanSchema.optional(),
  script: scriptDriverSchema.optional(),
  webhook: webhookDriverSchema.optional(),
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
  bmc: bmcSchema.optional(),
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
