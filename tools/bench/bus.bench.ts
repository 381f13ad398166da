/**
 * `npm run bench:bus -- --events N [--json]`: publishes N events through the real JetStream bus to the audit
 * service (its own process) and waits until every one is persisted in PostgreSQL, then prints
 * {"events","seconds","eventsPerSec","p50Ms","p99Ms","lost","duplicated","rawJetStreamPublishPerSec"}.
 * Latency is each event's envelope time (set when published) to its row's recorded_at (set by Postgres).
 * Uses a database and a NATS namespace of its own, removed afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { createEnvelope, newMessageId, NodeRemoved } from '@somnus/contracts';
import { connect } from 'nats';
import { JetStreamBus, jetStreamLayout, removeJetStreamNamespace } from '@somnus/bus';
import { parseCommandArgs, round } from '@somnus/runtime';

const root = resolve(__dirname, '../..');
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const { events, json } = parseCommandArgs(process.argv.slice(2), { events: 20_000, json: false });
  const say = (line: string) => (json ? undefined : process.stderr.write(`${line}\n`));
  const runId = `bench_${Date.now().toString(36)}`;
  const database = `somnus_${runId}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const bus = await JetStreamBus.connect({ url: NATS_URL, name: 'bench-bus', namespace: runId });
  const db = new Client({ connectionString: url.toString() });
  const audit = spawn(process.execPath, [...(process.env.BENCH_PROFILE_AUDIT ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), '-r', './tools/register.js', 'tools/stack/service.ts', 'audit'], {
    cwd: root,
    env: { ...process.env, SOMNUS_MODE: 'distributed', DATABASE_URL: url.toString(), NATS_URL, SOMNUS_BUS_NAMESPACE: runId, HEALTH_PORT: '0', LOG_LEVEL: 'warn', SOMNUS_DATA_DIR: mkdtempSync(join(tmpdir(), 'somnus-bench-')) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    say(`measuring raw JetStream async publish rate (${events} messages)...`);
    // In a namespace of its own, so the audit service never sees these raw messages.
    const raw = await JetStreamBus.connect({ url: NATS_URL, name: 'bench-raw', namespace: `${runId}_raw` });
    await raw.close(); // connecting created the namespace's streams
    const rawJetStreamPublishPerSec = await measureRawPublishRate(`${runId}_raw`, events).finally(() => removeJetStreamNamespace(NATS_URL, `${runId}_raw`));

    await db.connect();
    say('waiting for the audit service...');
    await waitUntil(async () => ((await db.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'audit' AND table_name = 'records'")).rowCount ? true : undefined), 60_000, 'audit service ready');
    // The audit consumer is created after its migrations; give it a moment to subscribe.
    await new Promise((r) => setTimeout(r, 1_000));

    say(`publishing ${events} events...`);
    const correlationId = newMessageId();
    const started = Date.now();
    let next = 0;
    const publisher = async () => {
      while (next < events) {
        const i = next++;
        const envelope = createEnvelope(NodeRemoved.type, { nodeId: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', name: `bench-${i}` }, { source: 'somnus/bench', cause: { actor: 'bench:bus', correlationId }, time: new Date() });
        await bus.publish(NodeRemoved, envelope);
      }
    };
    await Promise.all(Array.from({ length: Math.min(1_000, events) }, publisher));
    say(`published in ${((Date.now() - started) / 1000).toFixed(2)} s; waiting until every event is persisted...`);
    await waitUntil(
      async () => {
        const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit.records WHERE correlation_id = $1', [correlationId]);
        return Number(rows[0].n) >= events ? true : undefined;
      },
      Math.max(120_000, events * 5),
      'every event persisted',
    ).catch(() => undefined);
    const { rows } = await db.query<{ total: string; distinct_ids: string; p50: number; p99: number; last: Date }>(
      `SELECT count(*) AS total, count(DISTINCT message_id) AS distinct_ids,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - time) * 1000) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - time) * 1000) AS p99,
              max(recorded_at) AS last
         FROM audit.records WHERE correlation_id = $1`,
      [correlationId],
    );
    const stats = rows[0];
    const persisted = Number(stats.distinct_ids);
    const seconds = (new Date(stats.last).getTime() - started) / 1000;
    const result = {
      events,
      seconds: round(seconds, 3),
      eventsPerSec: Math.round(persisted / seconds),
      p50Ms: round(Number(stats.p50)),
      p99Ms: round(Number(stats.p99)),
      lost: events - persisted,
      duplicated: Number(stats.total) - persisted,
      rawJetStreamPublishPerSec: Math.round(rawJetStreamPublishPerSec),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.lost > 0 || result.duplicated > 0) process.exitCode = 1;
  } finally {
    audit.kill('SIGTERM');
    await new Promise((r) => audit.once('exit', r));
    await db.end().catch(() => undefined);
    await bus.close();
    await removeJetStreamNamespace(NATS_URL, runId);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:bus failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/** Raw JetStream publish rate of the server (no envelope, no validation): the reference figure. */
async function measureRawPublishRate(namespace: string, count: number, concurrency = 2_000): Promise<number> {
  const nc = await connect({ servers: NATS_URL, name: 'bench-raw-publish' });
  try {
    const js = nc.jetstream();
    const subject = `${jetStreamLayout(namespace).prefix}somnus.events.bench.raw.v1`;
    const payload = new TextEncoder().encode(JSON.stringify({ padding: 'x'.repeat(400) }));
    const started = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next += 1;
        await js.publish(subject, payload);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await nc.drain();
  }
}
