// Host key pinning: the fingerprint OpenSSH prints (`ssh-keygen -lf`), compared exactly.
import { createHash } from 'node:crypto';

/** `SHA256:<base64 without padding>` of the raw public key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprintSha256(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The catalogue accepts a trailing "=" some tools print; compare without it. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.trim().replace(/=+$/, '');
}
