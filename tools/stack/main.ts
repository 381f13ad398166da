import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { SERVICES } from '@somnus/all-in-one';

/**
 * `npm run stack`: every service as its own process against NATS_URL, DATABASE_URL and REDIS_URL (the local
 * services by default). The gateway listens on PORT (8080); the others serve health on 8081, 8082, ...
 * Output is prefixed with the service name; Ctrl-C stops them all.
 */
const root = resolve(__dirname, '../..');
const children = new Map<string, ChildProcess>();
let stopping = false;

function start(name: string, healthPort: number): void {
  const child = spawn(process.execPath, ['-r', './tools/register.js', 'tools/stack/service.ts', name], {
    cwd: root,
    env: { ...process.env, SOMNUS_MODE: 'distributed', HEALTH_PORT: String(healthPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${name.padEnd(12)}| `;
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) stream.write(`${prefix}${line}\n`);
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`${prefix}exited (${signal ?? code}); stopping the stack\n`);
      stop(1);
    }
  });
  children.set(name, child);
}

function stop(code: number): void {
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, 10_000);
  deadline.unref();
  const check = setInterval(() => {
    if (children.size === 0) {
      clearInterval(check);
      process.exit(code);
    }
  }, 100);
}

Object.keys(SERVICES).forEach((name, index) => start(name, 8081 + index));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
