/**
 * Which UPSes the power service watches, from the environment, in NUT's own notation (as `upsc` and upsmon's
 * MONITOR lines write it):
 *
 *   SOMNUS_UPS=rack1@10.0.0.5,rack2@nut.lab:3494,edge@[fd00::5]   (port default 3493)
 *   SOMNUS_UPS_USERNAME=monuser               (optional; a user from upsd.users)
 *   SOMNUS_UPS_CREDENTIAL_REF=nut-monuser     (optional; the password's file in SOMNUS_SECRETS_DIR)
 *   SOMNUS_UPS_POLL_MS=10000                  (how often each UPS is read)
 *   SOMNUS_UPS_MIN_RUNTIME_SECONDS=300        (on battery with less runtime left counts as low battery)
 *
 * The username and the credential come together or not at all. The password itself is never in the
 * environment.
 */
import { isIP } from 'node:net';

export const NUT_DEFAULT_PORT = 3493;

/** One UPS on one upsd. `id` is the canonical `name@host:port`, for events and logs. */
export interface UpsTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly id: string;
}

export interface UpsCredential {
  readonly username: string;
  /** Name of the password's secret in the secret store; never the password. */
  readonly passwordRef: string;
}

export interface UpsSettings {
  readonly targets: readonly UpsTarget[];
  readonly credential?: UpsCredential;
  readonly pollMs: number;
  readonly minRuntimeSeconds: number;
}

export class UpsSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpsSettingsError';
  }
}

/** UPS names as ups.conf sections allow them. */
const UPS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SECRET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const NUT_USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const EXAMPLE = 'e.g. SOMNUS_UPS=rack1@10.0.0.5 or rack1@nut.lab:3493,rack2@[fd00::5]';

/** `name@host[:port]`; an IPv6 host goes in brackets. Throws a `UpsSettingsError` that names the bad part. */
export function parseUpsTarget(text: string): UpsTarget {
  const entry = text.trim();
  const at = entry.indexOf('@');
  if (at < 0) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}" has no host: write <ups>@<host>[:port], ${EXAMPLE}`);
  const name = entry.slice(0, at);
  const address = entry.slice(at + 1);
  if (!UPS_NAME.test(name)) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": "${name}" is not a UPS name (letters, digits, ".", "_", "-", as in ups.conf)`);
  let host: string;
  let portText: string | undefined;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": an IPv6 address needs its closing "]"`);
    host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (rest && !rest.startsWith(':')) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": after "]" only ":<port>" may follow`);
    portText = rest ? rest.slice(1) : undefined;
    if (isIP(host) !== 6) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": "${host}" in brackets is not an IPv6 address`);
  } else {
    const parts = address.split(':');
    if (parts.length > 2) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": write an IPv6 host in brackets, e.g. ${name}@[fd00::5]:3493`);
    host = parts[0] ?? '';
    portText = parts[1];
    if (!host || !(isIP(host) === 4 || HOST_NAME.test(host))) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": "${host}" is not a host name or IP address`);
  }
  let port = NUT_DEFAULT_PORT;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw new UpsSettingsError(`SOMNUS_UPS entry "${entry}": port "${portText}" must be a number from 1 to 65535`);
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { name, host, port, id: `${name}@${shownHost}:${port}` };
}

function wholeNumber(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UpsSettingsError(`${name}="${text}" must be a whole number from ${min} to ${max}`);
  return value;
}

/** The UPS settings from the environment; unset SOMNUS_UPS means no UPS is watched. */
export function parseUpsSettings(env: Readonly<Record<string, string | undefined>>): UpsSettings {
  const list = (env.SOMNUS_UPS ?? '').trim();
  const targets = list ? list.split(',').map((entry, index) => {
    if (!entry.trim()) throw new UpsSettingsError(`SOMNUS_UPS has an empty entry at position ${index + 1}: separate UPSes with single commas, ${EXAMPLE}`);
    return parseUpsTarget(entry);
  }) : [];
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.id)) throw new UpsSettingsError(`SOMNUS_UPS names ${target.id} twice`);
    seen.add(target.id);
  }

  const username = env.SOMNUS_UPS_USERNAME?.trim() || undefined;
  const passwordRef = env.SOMNUS_UPS_CREDENTIAL_REF?.trim() || undefined;
  if (username && !passwordRef) throw new UpsSettingsError('SOMNUS_UPS_USERNAME is set without SOMNUS_UPS_CREDENTIAL_REF: name the password\'s file in SOMNUS_SECRETS_DIR too');
  if (passwordRef && !username) throw new UpsSettingsError('SOMNUS_UPS_CREDENTIAL_REF is set without SOMNUS_UPS_USERNAME: set the upsd.users user it belongs to');
  if (username && !NUT_USERNAME.test(username)) throw new UpsSettingsError(`SOMNUS_UPS_USERNAME "${username}" is not a upsd.users user name (letters, digits, ".", "_", "-", "@")`);
  if (passwordRef && !SECRET_REF.test(passwordRef)) {
    throw new UpsSettingsError('SOMNUS_UPS_CREDENTIAL_REF must name a file in SOMNUS_SECRETS_DIR (letters, digits, ".", "_", "-"), not hold the password itself');
  }

  return {
    targets,
    ...(username && passwordRef ? { credential: { username, passwordRef } } : {}),
    pollMs: wholeNumber(env, 'SOMNUS_UPS_POLL_MS', 10_000, 1_000, 3_600_000),
    minRuntimeSeconds: wholeNumber(env, 'SOMNUS_UPS_MIN_RUNTIME_SECONDS', 300, 0, 86_400),
  };
}

/** The targets grouped by upsd (`host:port`), so one connection serves every UPS on a server. */
export function targetsByServer(targets: readonly UpsTarget[]): Map<string, { readonly host: string; readonly port: number; readonly targets: UpsTarget[] }> {
  const servers = new Map<string, { host: string; port: number; targets: UpsTarget[] }>();
  for (const target of targets) {
    const key = `${target.host}:${target.port}`;
    const server = servers.get(key) ?? { host: target.host, port: target.port, targets: [] };
    server.targets.push(target);
    servers.set(key, server);
  }
  return servers;
}
