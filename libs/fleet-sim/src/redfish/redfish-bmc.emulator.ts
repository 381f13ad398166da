/**
 * A Redfish BMC on 127.0.0.1, over https (given a key and certificate) or http, serving the resources a real BMC
 * serves in the shapes of the DMTF public mockups (see redfish-documents.ts): the service root, SessionService
 * with login (POST -> 201, X-Auth-Token + Location) and logout (DELETE), the Systems collection, a
 * ComputerSystem with PowerState and `#ComputerSystem.Reset`, and its Chassis with either the legacy
 * Power/Thermal resources or the newer EnvironmentMetrics/PowerSubsystem/ThermalSubsystem (`profile`).
 *
 * A reset moves PowerState through PoweringOn/PoweringOff to its end state after `resetDelayMs`. Faults a test
 * can switch on at run time: refuse resets, report a power state other than the machine's, answer slowly,
 * answer 503 with Retry-After, serve an HTML page instead of JSON.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import {
  EmulatedSensors,
  EmulatedSystem,
  JsonDocument,
  RESET_TYPES,
  RedfishPowerState,
  RedfishProfile,
  ResetType,
  SERVICE_ROOT,
  SESSIONS,
  chassisCollectionDocument,
  chassisDocument,
  chassisIdOf,
  computerSystemDocument,
  environmentMetricsDocument,
  powerDocument,
  POWER_SUPPLY_BAYS,
  powerSubsystemDocument,
  powerSupplyCollectionDocument,
  powerSupplyDocument,
  powerSupplyMetricsDocument,
  redfishErrorDocument,
  resetActionInfoDocument,
  serviceRootDocument,
  sessionCollectionDocument,
  sessionDocument,
  sessionServiceDocument,
  systemCollectionDocument,
  thermalDocument,
  thermalMetricsDocument,
  thermalSubsystemDocument,
} from './redfish-documents';

export interface EmulatedSystemDefinition {
  readonly id: string;
  readonly hostName?: string;
  readonly uuid?: string;
  readonly powerState?: 'On' | 'Off';
}

export interface RedfishBmcEmulatorOptions {
  /** Default `legacy`. */
  readonly profile?: RedfishProfile;
  /** `modern` only: false serves no EnvironmentMetrics, so watts come from the PowerSubsystem supplies. Default true. */
  readonly environmentMetrics?: boolean;
  /** PEM key and certificate: serve https. Without them the emulator serves plain http. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** The one account; defaults `admin` / `emulated-bmc-password`. */
  readonly username?: string;
  readonly password?: string;
  /** Default: one system `System-1`, host name `bmc-host-1`, powered on. */
  readonly systems?: readonly EmulatedSystemDefinition[];
  /** False: no SessionService in the service root (HTTP basic auth only). Default true. */
  readonly sessionService?: boolean;
  /** Whether HTTP basic auth is accepted. Default true (as on most BMCs). */
  readonly basicAuth?: boolean;
  /** How long a reset takes before PowerState reaches its end state. Default 50 ms. */
  readonly resetDelayMs?: number;
  /** ResetType values advertised (and accepted). Default: those of the public-rackmount1 mockup. */
  readonly allowableResetTypes?: readonly ResetType[];
  readonly sensors?: {
    readonly wattsOn?: number;
    readonly wattsOff?: number;
    readonly inletCelsius?: number;
    readonly cpuCelsiusOn?: number;
    readonly cpuCelsiusOff?: number;
  };
}

export interface EmulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly auth: 'session' | 'basic' | 'none';
}

export interface EmulatedReset {
  readonly systemId: string;
  readonly resetType: ResetType;
  readonly from: RedfishPowerState;
}

const DEFAULT_RESET_TYPES: readonly ResetType[] = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton'];
const MAX_BODY_BYTES = 64 * 1024;
const MAX_LOGGED_REQUESTS = 2000;

interface SystemState {
  readonly id: string;
  readonly hostName: string;
  readonly uuid: string;
  actual: RedfishPowerState;
  /** Timers of a reset in progress; a new reset replaces them. */
  timers: NodeJS.Timeout[];
}

interface Session {
  readonly id: string;
  readonly token: string;
  readonly userName: string;
  readonly createdAt: Date;
}

type Reply = { readonly status: number; readonly body?: JsonDocument; readonly headers?: Record<string, string> };

export class RedfishBmcEmulator {
  readonly profile: RedfishProfile;
  readonly scheme: 'https' | 'http';
  readonly username: string;
  /** The emulator's own test password, not a secret of anyone's. */
  readonly password: string;
  readonly requests: EmulatedRequest[] = [];
  readonly resets: EmulatedReset[] = [];
  private readonly systems: SystemState[];
  private readonly sessions = new Map<string, Session>();
  private readonly allowableResetTypes: readonly ResetType[];
  private readonly resetDelayMs: number;
  private readonly sessionService: boolean;
  private readonly basicAuth: boolean;
  private readonly sensors: Required<NonNullable<RedfishBmcEmulatorOptions['sensors']>>;
  private readonly serviceUuid = randomUUID();
  private readonly held = new Set<NodeJS.Timeout>();
  private server: Server | undefined;
  private createdSessions = 0;
  private refusal: string | null = null;
  private reportedState: RedfishPowerState | null = null;
  private slowMs: number | null = null;
  private html = false;
  private failures: { remaining: number; status: number; retryAfterSeconds: number | null } = { remaining: 0, status: 503, retryAfterSeconds: null };

  private constructor(private readonly options: RedfishBmcEmulatorOptions) {
    this.profile = options.profile ?? 'legacy';
    this.scheme = options.tls ? 'https' : 'http';
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'emulated-bmc-password';
    this.allowableResetTypes = options.allowableResetTypes ?? DEFAULT_RESET_TYPES;
    this.resetDelayMs = options.resetDelayMs ?? 50;
    this.sessionService = options.sessionService ?? true;
    this.basicAuth = options.basicAuth ?? true;
    this.sensors = {
      wattsOn: options.sensors?.wattsOn ?? 212,
      wattsOff: options.sensors?.wattsOff ?? 9,
      inletCelsius: options.sensors?.inletCelsius ?? 23.5,
      cpuCelsiusOn: options.sensors?.cpuCelsiusOn ?? 47,
      cpuCelsiusOff: options.sensors?.cpuCelsiusOff ?? 26,
    };
    const definitions = options.systems ?? [{ id: 'System-1', hostName: 'bmc-host-1' }];
    if (definitions.length === 0) throw new Error('a Redfish BMC emulator needs at least one system');
    this.systems = definitions.map((d, index) => ({
      id: d.id,
      hostName: d.hostName ?? `bmc-host-${index + 1}`,
      uuid: d.uuid ?? randomUUID(),
      actual: d.powerState ?? 'On',
      timers: [],
    }));
  }

  static async start(options: RedfishBmcEmulatorOptions = {}): Promise<RedfishBmcEmulator> {
    const emulator = new RedfishBmcEmulator(options);
    await emulator.listen();
    return emulator;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  /** Sessions open now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Sessions ever created (logins). */
  get sessionsCreated(): number {
    return this.createdSessions;
  }

  /** The machine's power state (the truth, whatever the BMC is told to report). */
  powerState(systemId = this.firstSystem().id): RedfishPowerState {
    return this.system(systemId).actual;
  }

  setPowerState(state: 'On' | 'Off', systemId = this.firstSystem().id): void {
    const system = this.system(systemId);
    this.cancelReset(system);
    system.actual = state;
  }

  /** Resets answer 409 with this reason in a Redfish error body; null accepts them again. */
  refuseResets(reason: string | null = 'resets are locked on this BMC'): void {
    this.refusal = reason;
  }

  /** The BMC reports this PowerState whatever the machine does (a stale or lying BMC); null tells the truth. */
  reportPowerState(state: RedfishPowerState | null): void {
    this.reportedState = state;
  }

  /** Every response waits this long first; null answers at once. */
  respondSlowly(ms: number | null): void {
    this.slowMs = ms;
  }

  /** The next `count` requests get `status` (503 by default), with `Retry-After` when given. */
  failNextRequests(count: number, options: { readonly status?: number; readonly retryAfterSeconds?: number } = {}): void {
    this.failures = { remaining: Math.max(0, Math.min(count, 1000)), status: options.status ?? 503, retryAfterSeconds: options.retryAfterSeconds ?? null };
  }

  /** Every response is a web UI's HTML login page (as when the port is the BMC's web UI, not Redfish). */
  serveHtml(on: boolean): void {
    this.html = on;
  }

  async stop(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    for (const system of this.systems) this.cancelReset(system);
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    const server = this.options.tls ? createHttpsServer({ key: this.options.tls.key, cert: this.options.tls.cert }, handler) : createHttpServer(handler);
    // A client that drops a TLS handshake (an untrusted certificate) must not bring the emulator down.
    server.on('tlsClientError', () => undefined);
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = normalise(req.url ?? '/');
    const auth = this.authOf(req);
    this.requests.push({ method, path, auth: auth.kind });
    if (this.requests.length > MAX_LOGGED_REQUESTS) this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS);

    if (this.slowMs !== null) {
      const wait = this.slowMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.held.delete(timer);
          resolve();
        }, wait);
        this.held.add(timer);
      });
      if (res.destroyed) return;
    }
    if (this.html) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><head><title>BMC Login</title></head><body><form>Log in</form></body></html>');
      return;
    }
    if (this.failures.remaining > 0) {
      this.failures.remaining--;
      const retryAfter = this.failures.retryAfterSeconds;
      const headers: Record<string, string> = retryAfter === null ? {} : { 'retry-after': String(retryAfter) };
      const seconds = retryAfter === null ? 'a few' : String(retryAfter);
      send(res, { status: this.failures.status, headers, body: redfishErrorDocument('ServiceTemporarilyUnavailable', `The service is temporarily unavailable.  Retry in ${seconds} seconds.`) });
      return;
    }
    send(res, this.route(method, path, auth, body));
  }

  private route(method: string, path: string, auth: { kind: EmulatedRequest['auth']; session?: Session }, body: string): Reply {
    if (method === 'GET' && path === '/redfish') return { status: 200, body: { v1: `${SERVICE_ROOT}/` } };
    if (method === 'GET' && path === SERVICE_ROOT) return { status: 200, body: serviceRootDocument({ uuid: this.serviceUuid, sessionService: this.sessionService }) };
    if (method === 'POST' && path === SESSIONS && this.sessionService) return this.login(body);
    if (auth.kind === 'none') {
      return { status: 401, headers: { 'www-authenticate': 'Basic realm="Redfish"' }, body: redfishErrorDocument('NoValidSession', 'There is no valid session established with the implementation.', 'Establish a session before attempting any operations.') };
    }

    if (method === 'DELETE') {
      const id = this.sessionService ? match(path, `${SESSIONS}/`) : null;
      const session = id === null ? undefined : this.sessions.get(id);
      if (!session) return notFound('Session', path);
      this.sessions.delete(session.id);
      return { status: 204 };
    }
    if (method === 'POST') {
      const systemId = match(path, `${SERVICE_ROOT}/Systems/`, '/Actions/ComputerSystem.Reset');
      const system = systemId === null ? undefined : this.systems.find((s) => s.id === systemId);
      if (!system) return { status: 405, body: redfishErrorDocument('GeneralError', `POST is not allowed on ${path}.`) };
      return this.reset(system, body);
    }
    if (method !== 'GET') return { status: 405, body: redfishErrorDocument('GeneralError', `${method} is not allowed on ${path}.`) };

    const document = this.document(path);
    return document ? { status: 200, body: document } : notFound('Resource', path);
  }

  private document(path: string): JsonDocument | undefined {
    if (this.sessionService) {
      if (path === `${SERVICE_ROOT}/SessionService`) return sessionServiceDocument();
      if (path === SESSIONS) return sessionCollectionDocument([...this.sessions.keys()]);
      const sessionId = match(path, `${SESSIONS}/`);
      const session = sessionId === null ? undefined : this.sessions.get(sessionId);
      if (session) return sessionDocument(session);
    }
    const views = this.systems.map((s) => this.view(s));
    if (path === `${SERVICE_ROOT}/Systems`) return systemCollectionDocument(views);
    if (path === `${SERVICE_ROOT}/Chassis`) return chassisCollectionDocument(views);
    for (const [index, view] of views.entries()) {
      const state = this.systems[index];
      if (!state) continue;
      const system = `${SERVICE_ROOT}/Systems/${view.id}`;
      const chassis = `${SERVICE_ROOT}/Chassis/${chassisIdOf(view)}`;
      if (path === system) return computerSystemDocument(view, this.profile);
      if (path === `${system}/ResetActionInfo` && this.profile === 'modern') return resetActionInfoDocument(view);
      if (!path.startsWith(chassis)) continue;
      const sensors = this.sensorsOf(state.actual);
      const legacy: Record<string, () => JsonDocument> = {
        [chassis]: () => chassisDocument(view, this.profile),
        [`${chassis}/Power`]: () => powerDocument(view, sensors),
        [`${chassis}/Thermal`]: () => thermalDocument(view, sensors),
      };
      const environment = this.options.environmentMetrics ?? true;
      const modern: Record<string, () => JsonDocument> = {
        [chassis]: () => chassisDocument(view, this.profile, environment),
        ...(environment ? { [`${chassis}/EnvironmentMetrics`]: () => environmentMetricsDocument(view, sensors) } : {}),
        [`${chassis}/PowerSubsystem`]: () => powerSubsystemDocument(view),
        [`${chassis}/PowerSubsystem/PowerSupplies`]: () => powerSupplyCollectionDocument(view),
        ...Object.fromEntries(
          POWER_SUPPLY_BAYS.flatMap((bay) => [
            [`${chassis}/PowerSubsystem/PowerSupplies/${bay}`, () => powerSupplyDocument(view, bay)],
            [`${chassis}/PowerSubsystem/PowerSupplies/${bay}/Metrics`, () => powerSupplyMetricsDocument(view, bay, sensors)],
          ]),
        ),
        [`${chassis}/ThermalSubsystem`]: () => thermalSubsystemDocument(view),
        [`${chassis}/ThermalSubsystem/ThermalMetrics`]: () => thermalMetricsDocument(view, sensors),
      };
      const build = (this.profile === 'legacy' ? legacy : modern)[path];
      return build?.();
    }
    return undefined;
  }

  private login(body: string): Reply {
    const credentials = parseObject(body);
    const userName = credentials?.['UserName'];
    const password = credentials?.['Password'];
    if (typeof userName !== 'string' || typeof password !== 'string') {
      return { status: 400, body: redfishErrorDocument('PropertyMissing', 'The property UserName or Password is a required property and must be included in the request.') };
    }
    if (!this.credentialsMatch(userName, password)) {
      return { status: 401, body: redfishErrorDocument('ResourceAtUriUnauthorized', `While accessing the resource at ${SESSIONS}, the service received an authorization error invalid username or password.`) };
    }
    const session: Session = { id: randomBytes(8).toString('hex').toUpperCase(), token: randomBytes(24).toString('hex'), userName, createdAt: new Date() };
    this.sessions.set(session.id, session);
    this.createdSessions++;
    const location = `${SESSIONS}/${session.id}`;
    return { status: 201, headers: { location, 'x-auth-token': session.token }, body: sessionDocument(session) };
  }

  private reset(system: SystemState, body: string): Reply {
    const resetType = parseObject(body)?.['ResetType'];
    if (typeof resetType !== 'string') {
      return { status: 400, body: redfishErrorDocument('ActionParameterMissing', 'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.') };
    }
    if (!isResetType(resetType) || !this.allowableResetTypes.includes(resetType)) {
      return { status: 400, body: redfishErrorDocument('ActionParameterValueNotInList', `The value '${resetType}' for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`) };
    }
    if (this.refusal !== null) {
      return { status: 409, body: redfishErrorDocument('OperationNotAllowed', `The operation was not successful because ${this.refusal}.`) };
    }
    this.resets.push({ systemId: system.id, resetType, from: system.actual });
    this.apply(system, resetType);
    return { status: 204 };
  }

  /** PowerState through its transition: `via` now, `to` after the reset delay (two legs for a cycle). */
  private apply(system: SystemState, resetType: ResetType): void {
    const on = system.actual === 'On' || system.actual === 'PoweringOn' || system.actual === 'Paused';
    const later = (delayMs: number, step: () => void): void => {
      system.timers.push(setTimeout(step, delayMs));
    };
    const move = (via: RedfishPowerState, to: RedfishPowerState): void => {
      this.cancelReset(system);
      system.actual = via;
      later(this.resetDelayMs, () => {
        system.actual = to;
      });
    };
    switch (resetType) {
      case 'On':
      case 'ForceOn':
        if (!on) move('PoweringOn', 'On');
        return;
      case 'ForceOff':
      case 'GracefulShutdown':
        if (on) move('PoweringOff', 'Off');
        return;
      case 'PushPowerButton':
        if (on) move('PoweringOff', 'Off');
        else move('PoweringOn', 'On');
        return;
      case 'PowerCycle':
      case 'ForceRestart':
      case 'GracefulRestart':
        if (!on && resetType !== 'PowerCycle') return; // a restart of a machine that is off does nothing
        this.cancelReset(system);
        system.actual = on ? 'PoweringOff' : 'PoweringOn';
        later(this.resetDelayMs, () => {
          system.actual = 'PoweringOn';
          later(this.resetDelayMs, () => {
            system.actual = 'On';
          });
        });
        return;
      case 'Nmi':
        return;
    }
  }

  private cancelReset(system: SystemState): void {
    for (const timer of system.timers) clearTimeout(timer);
    system.timers = [];
  }

  private view(system: SystemState): EmulatedSystem {
    return {
      id: system.id,
      hostName: system.hostName,
      uuid: system.uuid,
      powerState: this.reportedState ?? system.actual,
      allowableResetTypes: this.allowableResetTypes,
    };
  }

  private sensorsOf(state: RedfishPowerState): EmulatedSensors {
    const s = this.sensors;
    const on = state === 'On' || state === 'Paused';
    const moving = state === 'PoweringOn' || state === 'PoweringOff';
    const watts = on ? s.wattsOn : moving ? Math.round((s.wattsOn + s.wattsOff) / 2) : s.wattsOff;
    const cpu = on ? s.cpuCelsiusOn : s.cpuCelsiusOff;
    return { watts, inletCelsius: s.inletCelsius, cpuCelsius: cpu, exhaustCelsius: Math.round((cpu + s.inletCelsius) / 2) };
  }

  private authOf(req: IncomingMessage): { kind: EmulatedRequest['auth']; session?: Session } {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && this.sessionService) {
      for (const session of this.sessions.values()) if (session.token === token) return { kind: 'session', session };
    }
    const header = req.headers.authorization;
    if (this.basicAuth && typeof header === 'string' && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && this.credentialsMatch(decoded.slice(0, colon), decoded.slice(colon + 1))) return { kind: 'basic' };
    }
    return { kind: 'none' };
  }

  private credentialsMatch(userName: string, password: string): boolean {
    return userName === this.username && sameText(password, this.password);
  }

  private firstSystem(): SystemState {
    const first = this.systems[0];
    if (!first) throw new Error('the emulator has no system');
    return first;
  }

  private system(id: string): SystemState {
    const system = this.systems.find((s) => s.id === id);
    if (!system) throw new Error(`the emulator has no system "${id}" (it has ${this.systems.map((s) => s.id).join(', ')})`);
    return system;
  }
}

function isResetType(value: string): value is ResetType {
  return (RESET_TYPES as readonly string[]).includes(value);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function notFound(type: string, path: string): Reply {
  return { status: 404, body: redfishErrorDocument('ResourceNotFound', `The requested resource of type ${type} named ${path} was not found.`) };
}

/** The id between `prefix` and `suffix` in `path`, when it is one path segment. */
function match(path: string, prefix: string, suffix = ''): string | null {
  if (!path.startsWith(prefix) || !path.endsWith(suffix)) return null;
  const id = path.slice(prefix.length, path.length - suffix.length);
  return id && !id.includes('/') ? decodeURIComponent(id) : null;
}

function normalise(url: string): string {
  const path = url.split('?')[0] ?? '/';
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function parseObject(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { 'odata-version': '4.0', ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}
