// Key stores backed by what operators already have: a directory of key files (a mounted Kubernetes secret)
// or environment variables (docker compose secrets).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SshKeyStore } from './ssh-key-store.port';

/** keyRef is a name, never a path: this keeps `../../etc/shadow` out of the directory lookup. */
const KEY_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `<directory>/<keyRef>`, e.g. /run/secrets/somnus-ssh/default. */
export class DirectorySshKeyStore implements SshKeyStore {
  constructor(private readonly directory: string) {}

  async privateKey(keyRef: string): Promise<Buffer | undefined> {
    if (!KEY_REF.test(keyRef) || keyRef.includes('..')) return undefined;
    try {
      return await readFile(join(this.directory, keyRef));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read SSH key "${keyRef}" from ${this.directory}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
    }
  }
}

/**
 * `SOMNUS_SSH_KEY_<KEYREF>` (upper case, "-" and "." as "_"), e.g. SOMNUS_SSH_KEY_DEFAULT. The value is the
 * key itself, or base64 of it for platforms that cannot hold newlines in a variable.
 */
export class EnvSshKeyStore implements SshKeyStore {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  static variableFor(keyRef: string): string {
    return `SOMNUS_SSH_KEY_${keyRef.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  async privateKey(keyRef: string): Promise<Buffer | undefined> {
    if (!KEY_REF.test(keyRef)) return undefined;
    const value = this.env[EnvSshKeyStore.variableFor(keyRef)];
    if (!value) return undefined;
    return value.includes('-----BEGIN') ? Buffer.from(value) : Buffer.from(value, 'base64');
  }
}
