/**
 * `npm run somnus -- <command>`: the Somnus CLI, a thin client of the HTTP API.
 *
 *   audit verify                 recompute the audit hash chain; exit 1 when a record was altered or deleted
 *   audit list [--node N] [--limit K]
 *   nodes list | nodes get NAME
 *   nodes wake NAME [reason] | nodes sleep NAME [reason]
 *   decisions [--limit K]
 *   energy
 *
 * Where: SOMNUS_URL (default http://127.0.0.1:8080). Who: SOMNUS_TOKEN, else the first admin token in
 * SOMNUS_ADMIN_TOKEN_FILE or .somnus/admin-token. Errors print the API's message; exit 2 for a refusal or bad
 * input, 3 when the API cannot be reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const USAGE = 'usage: somnus audit verify | audit list [--node N] [--limit K] | nodes list | nodes get NAME | nodes wake NAME [reason] | nodes sleep NAME [reason] | decisions [--limit K] | energy';

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function token(): string {
  if (process.env.SOMNUS_TOKEN) return process.env.SOMNUS_TOKEN.trim();
  const file = resolve(process.env.SOMNUS_ADMIN_TOKEN_FILE ?? '.somnus/admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new CliError(`no token: set SOMNUS_TOKEN or SOMNUS_ADMIN_TOKEN_FILE (looked for ${file})`, 2);
}

async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const base = process.env.SOMNUS_URL ?? 'http://127.0.0.1:8080';
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${token()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot reach Somnus at ${base}: ${error instanceof Error ? error.message : String(error)}`, 3);
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new CliError(`${response.status}: ${payload.error?.message ?? response.statusText}`, 2);
  return payload;
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

async function run(args: string[]): Promise<number> {
  const [group, command, name, ...rest] = args;
  const query = (params: Record<string, string | undefined>) => {
    const entries = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
    return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
  };
  if (group === 'audit' && command === 'verify') {
    const result = (await api('GET', '/api/v1/audit/verify')) as { ok: boolean; checked: number; firstBroken: { seq: number; problem: string } | null };
    if (result.ok) process.stdout.write(`audit trail intact: ${result.checked} records verified\n`);
    else process.stdout.write(`audit trail BROKEN at record ${result.firstBroken?.seq}: ${result.firstBroken?.problem} (${result.checked} records verified before it)\n`);
    return result.ok ? 0 : 1;
  }
  if (group === 'audit' && command === 'list') print(await api('GET', `/api/v1/audit${query({ nodeId: option(args, 'node'), limit: option(args, 'limit') ?? '20' })}`));
  else if (group === 'nodes' && command === 'list') print(await api('GET', '/api/v1/nodes?limit=1000'));
  else if (group === 'nodes' && command === 'get' && name) print(await api('GET', `/api/v1/nodes/${encodeURIComponent(name)}`));
  else if (group === 'nodes' && (command === 'wake' || command === 'sleep') && name) {
    print(await api('POST', `/api/v1/nodes/${encodeURIComponent(name)}/${command}`, rest.length ? { reason: rest.join(' ') } : {}));
  } else if (group === 'decisions') print(await api('GET', `/api/v1/decisions${query({ limit: option(args, 'limit') ?? '20' })}`));
  else if (group === 'energy') print(await api('GET', '/api/v1/energy'));
  else throw new CliError(USAGE, 2);
  return 0;
}

run(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`somnus: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  });
