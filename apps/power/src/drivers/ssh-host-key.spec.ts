import { createHash } from 'node:crypto';
import { normaliseFingerprint, sshFingerprintSha256 } from './ssh-host-key';

describe('sshFingerprintSha256', () => {
  it('prints SHA256:<base64 without padding> of the key blob, as ssh-keygen -lf does', () => {
    // The blob of an OpenSSH public key line is its second field, base64-decoded.
    const line = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test';
    const blob = Buffer.from(line.split(' ')[1]!, 'base64');
    const fingerprint = sshFingerprintSha256(blob);

    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(Buffer.from(fingerprint.slice('SHA256:'.length), 'base64').equals(createHash('sha256').update(blob).digest())).toBe(true);
    expect(sshFingerprintSha256(Buffer.concat([blob, Buffer.from([0])]))).not.toBe(fingerprint);
  });

  it('compares pins with or without the trailing "="', () => {
    expect(normaliseFingerprint('SHA256:abc=')).toBe('SHA256:abc');
    expect(normaliseFingerprint(' SHA256:abc ')).toBe('SHA256:abc');
  });
});
