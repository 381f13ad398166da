import request from 'supertest';
import type { AuditRecord, Node, NodeState, TransitionRecord } from '@somnus/contracts';

export type NodeWithStatus = Node & { status: (NodeState & { history: TransitionRecord[] }) | null };

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

export interface ActionAccepted {
  nodeId: string;
  action: string;
  status: string;
}

export interface ApiError {
  error: { code: string; message: string };
}

/** The HTTP API as an operator's script uses it: one token per role, plain JSON in and out. */
export class SomnusApi {
  private constructor(
    private readonly url: string,
    private readonly operateToken: string,
    private readonly readToken: string,
  ) {}

  /** Issues an operate and a read token with the admin token, as an administrator would. */
  static async connect(url: string, adminToken: string): Promise<SomnusApi> {
    const issue = async (name: string, role: string) => {
      const response = await request(url).post('/api/v1/tokens').set('authorization', `Bearer ${adminToken}`).send({ name, role });
      if (response.status !== 201) throw new Error(`could not issue the ${role} token: ${response.status} ${JSON.stringify(response.body)}`);
      return (response.body as { token: string }).token;
    };
    return new SomnusApi(url, await issue('e2e-operator', 'operate'), await issue('e2e-reader', 'read'));
  }

  async get<T>(path: string, query: Record<string, string | number> = {}): Promise<ApiAnswer<T>> {
    const response = await request(this.url).get(path).query(query).set('authorization', `Bearer ${this.readToken}`);
    return { status: response.status, body: response.body as T };
  }

  /** An operate call; `correlationId` ties what it causes together in the audit trail. */
  async post<T>(path: string, body: object = {}, correlationId?: string): Promise<ApiAnswer<T>> {
    const call = request(this.url).post(path).set('authorization', `Bearer ${this.operateToken}`);
    if (correlationId) call.set('x-correlation-id', correlationId);
    const response = await call.send(body);
    return { status: response.status, body: response.body as T };
  }

  async node(idOrName: string): Promise<NodeWithStatus> {
    const answer = await this.get<NodeWithStatus>(`/api/v1/nodes/${idOrName}`);
    if (answer.status !== 200) throw new Error(`GET /api/v1/nodes/${idOrName} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  wake(idOrName: string, correlationId?: string): Promise<ApiAnswer<ApiError | ActionAccepted>> {
    return this.post(`/api/v1/nodes/${idOrName}/wake`, { reason: 'end-to-end test' }, correlationId);
  }

  sleep(idOrName: string, correlationId?: string): Promise<ApiAnswer<ApiError | ActionAccepted>> {
    return this.post(`/api/v1/nodes/${idOrName}/sleep`, { reason: 'end-to-end test' }, correlationId);
  }

  /** Audit records (newest first) about one node, or of one correlation, optionally of one message type. */
  async audit(filter: { nodeId?: string; correlationId?: string; type?: string }): Promise<AuditRecord[]> {
    const query = Object.fromEntries(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const answer = await this.get<{ items: AuditRecord[] }>('/api/v1/audit', { ...query, limit: 1000 });
    if (answer.status !== 200) throw new Error(`GET /api/v1/audit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.items;
  }
}
