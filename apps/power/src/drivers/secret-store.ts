// Where drivers get passwords, HMAC keys and CA bundles. A node's catalogue entry names a secret
// (`bmc.credentialRef`, `driver.webhook.secretRef`, ...); the secret itself lives only in files of the power
// service's secrets directory (`SOMNUS_SECRETS_DIR`, default `.somnus/secrets`, mode 0600). A mounted
// Kubernetes Secret works the same way. Secrets never reach the catalogue, the bus, logs or errors.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A reference is a name, never a path: this keeps `../../etc/shadow` out of the lookup. */
const SECRET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type SecretLookup =
  | { readonly found: true; readonly value: Buffer }
  | { readonly found: false; readonly reason: string };

export interface SecretStore {
  /** The secret named `ref`. A missing, unreadable or too-open file comes back with a reason, never a throw. */
  read(ref: string): Promise<SecretLookup>;
}

export const SECRET_STORE = Symbol('SECRET_STORE');

/** `<directory>/<ref>`; a trailing newline (as `echo` writes) is not part of the secret. */
export class DirectorySecretStore implements SecretStore {
  constructor(private readonly directory: string) {}

  async read(ref: string): Promise<SecretLookup> {
    if (!SECRET_REF.test(ref) || ref.includes('..')) return { found: false, reason: `"${ref}" is not a valid secret name (letters, digits, ".", "_", "-")` };
    const path = join(this.directory, ref);
    try {
      const info = await stat(path);
      // Kubernetes mounts Secrets as symlinks to files with mode 0644 by default unless defaultMode is set;
      // group/other readability is refused so a misplaced secret is noticed, as ssh does with keys.
      if ((info.mode & 0o077) !== 0) return { found: false, reason: `secret "${ref}" in ${this.directory} is readable by others: chmod 600 it` };
      const value = await readFile(path);
      return { found: true, value: stripTrailingNewline(value) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { found: false, reason: `no secret "${ref}" in ${this.directory}: write it to that file (mode 0600)` };
      return { found: false, reason: `cannot read secret "${ref}" from ${this.directory}: ${code ?? 'unknown error'}` };
    }
  }
}

/** Secrets held in memory: for tests and for secrets handed over by a secret manager at start-up. */
export class InMemorySecretStore implements SecretStore {
  private readonly secrets: Map<string, Buffer>;

  constructor(secrets: Record<string, string | Buffer> = {}) {
    this.secrets = new Map(Object.entries(secrets).map(([ref, value]) => [ref, Buffer.isBuffer(value) ? value : Buffer.from(value)]));
  }

  async read(ref: string): Promise<SecretLookup> {
    const value = this.secrets.get(ref);
    return value ? { found: true, value } : { found: false, reason: `no secret "${ref}" in the in-memory secret store` };
  }
}

function stripTrailingNewline(value: Buffer): Buffer {
  let end = value.length;
  while (end > 0 && (value[end - 1] === 0x0a || value[end - 1] === 0x0d)) end--;
  return value.subarray(0, end);
}
