// Where the SSH driver gets private keys. A node's catalogue entry names a key (`ssh.keyRef`); the key itself
// lives only in the power service, never in the catalogue, the bus, logs or errors.
export interface SshKeyStore {
  /** The private key (OpenSSH or PEM) named `keyRef`, or undefined when there is none. */
  privateKey(keyRef: string): Promise<Buffer | undefined>;
}

export const SSH_KEY_STORE = Symbol('SSH_KEY_STORE');

/** Keys held in memory: for tests and for keys handed over by a secret manager at start-up. */
export class InMemorySshKeyStore implements SshKeyStore {
  private readonly keys: Map<string, Buffer>;

  constructor(keys: Record<string, string | Buffer> = {}) {
    this.keys = new Map(Object.entries(keys).map(([ref, key]) => [ref, Buffer.isBuffer(key) ? key : Buffer.from(key)]));
  }

  async privateKey(keyRef: string): Promise<Buffer | undefined> {
    return this.keys.get(keyRef);
  }
}
