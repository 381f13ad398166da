import { join, resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '@somnus/contracts';

/**
 * Every environment variable Somnus reads, in one place (the README's configuration table is this).
 * `all-in-one` (the default of `npm start`) embeds Postgres, the bus and the cache; `distributed` uses
 * NATS JetStream, PostgreSQL and Redis.
 */
export const runtimeEnvSchema = z.object({
  SOMNUS_MODE: z.enum(['all-in-one', 'distributed']).default('all-in-one'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  SOMNUS_DATA_DIR: z.string().default('.somnus'),
  /** Where the all-in-one keeps its embedded PostgreSQL (default `$SOMNUS_DATA_DIR/pgdata`). */
  SOMNUS_EMBEDDED_DB_DIR: z.string().optional(),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console', 'memory']).default('none'),
  SOMNUS_ADMIN_TOKEN_FILE: z.string().optional(),
  /** Subject and stream prefix, to share one NATS server between stacks (tests, benchmarks). */
  SOMNUS_BUS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]*$/).default(''),
  /** Milliseconds the gateway waits for a command's outcome before answering 202 Accepted. */
  SOMNUS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  SOMNUS_INVENTORY_FILE: z.string().optional(),
  /** How services reach the Kubernetes API: a kubeconfig file, the pod's service account, or not at all. */
  KUBERNETES_MODE: z.enum(['none', 'kubeconfig', 'in-cluster']).optional(),
  KUBECONFIG: z.string().optional(),
  /** Directory of SSH private keys for the power and lifecycle services, one file per `keyRef`. */
  SOMNUS_SSH_KEY_DIR: z.string().optional(),
  /** Directory of driver secrets (BMC passwords, webhook keys, CA bundles), one file per reference, mode 0600. */
  SOMNUS_SECRETS_DIR: z.string().optional(),
  /** Record decisions without acting on them. */
  SOMNUS_DRY_RUN: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

export interface RuntimeConfig extends RuntimeEnv {
  dataDir: string;
  embeddedDbDir: string;
  adminTokenFile: string;
  sshKeyDir: string;
  secretsDir: string;
  kubernetesMode: 'none' | 'kubeconfig' | 'in-cluster';
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<RuntimeEnv> = {}): RuntimeConfig {
  const parsed = runtimeEnvSchema.safeParse({ ...env, ...overrides });
  if (!parsed.success) throw new ConfigurationError(`invalid configuration: ${describeIssues(parsed.error)}`);
  const dataDir = resolve(parsed.data.SOMNUS_DATA_DIR);
  return {
    ...parsed.data,
    dataDir,
    embeddedDbDir: resolve(parsed.data.SOMNUS_EMBEDDED_DB_DIR ?? join(dataDir, 'pgdata')),
    adminTokenFile: parsed.data.SOMNUS_ADMIN_TOKEN_FILE ?? join(dataDir, 'admin-token'),
    sshKeyDir: parsed.data.SOMNUS_SSH_KEY_DIR ?? join(dataDir, 'ssh'),
    secretsDir: resolve(parsed.data.SOMNUS_SECRETS_DIR ?? join(dataDir, 'secrets')),
    kubernetesMode: parsed.data.KUBERNETES_MODE ?? (parsed.data.KUBECONFIG ? 'kubeconfig' : 'none'),
  };
}
