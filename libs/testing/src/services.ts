import { Socket } from 'node:net';

/**
 * Where the real services are, and whether a test may go on without them. In CI
 * (`SOMNUS_REQUIRE_SERVICES=1`, set by .ci/run) an unreachable service fails the suite instead of skipping it.
 */
export const realServices = {
  postgresUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

export const servicesRequired = process.env.SOMNUS_REQUIRE_SERVICES === '1' || process.env.CI === 'true';

function reachable(url: string, defaultPort: number, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname, () => done(true));
  });
}

export type RealService = 'postgres' | 'nats' | 'redis';

const probes: Record<RealService, () => Promise<boolean>> = {
  postgres: () => reachable(realServices.postgresUrl, 5432),
  nats: () => reachable(realServices.natsUrl, 4222),
  redis: () => reachable(realServices.redisUrl, 6379),
};

/**
 * Resolves to true when every named service answers. When one does not: throws if services are required,
 * otherwise resolves to false so the caller can skip (and says so on stderr, never silently).
 */
export async function ensureServices(...names: RealService[]): Promise<boolean> {
  const missing: RealService[] = [];
  for (const name of names) if (!(await probes[name]())) missing.push(name);
  if (missing.length === 0) return true;
  const message = `real ${missing.join(', ')} not reachable (${missing.map((m) => urlOf(m)).join(', ')})`;
  if (servicesRequired) throw new Error(`${message}; CI requires them: start them or unset SOMNUS_REQUIRE_SERVICES`);
  process.stderr.write(`SKIPPED real-service tests: ${message}\n`);
  return false;
}

function urlOf(name: RealService): string {
  return { postgres: realServices.postgresUrl, nats: realServices.natsUrl, redis: realServices.redisUrl }[name].replace(/\/\/[^@]*@/, '//');
}

/**
 * `describe` for a suite that needs real services. Jest's global setup (`global-setup.ts`) probes them once
 * and fails the whole run when CI requires them and one is down; otherwise an unreachable service turns the
 * suite into a reported skip, never a silent pass.
 */
export function describeWithServices(names: RealService[], title: string, body: () => void): void {
  const available = (process.env.SOMNUS_AVAILABLE_SERVICES ?? '').split(',');
  const ready = names.every((name) => available.includes(name));
  (ready ? describe : describe.skip)(`${title} [real ${names.join(', ')}]`, body);
}

/** A name unique to this test run, for streams, consumers, schemas and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}
