// A throwaway self-signed certificate for a BMC emulator on 127.0.0.1, made with the `openssl` binary (Node
// can sign nothing X.509 by itself). For tests and demos only: the key is written to a temp directory.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCertificate {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate (also usable as its own CA bundle). */
  readonly cert: string;
  /** SHA-256 fingerprint as `AB:CD:...` (what `bmc.tls.pinnedSha256` takes). */
  readonly sha256: string;
}

/** Whether an `openssl` binary answers; tests skip (or fail under SOMNUS_REQUIRE_SERVICES=1) without it. */
export function opensslAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('openssl', ['version'], { timeout: 5000 }, (error) => resolve(!error));
  });
}

/** A P-256 certificate for `commonName` with subjectAltName IP:127.0.0.1 and DNS:localhost, valid 2 days. */
export async function selfSignedCertificate(commonName = 'bmc.fleet-sim.test'): Promise<SelfSignedCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'somnus-bmc-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await new Promise<void>((resolve, reject) => {
      execFile(
        'openssl',
        [
          'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
          '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${commonName}`,
          '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { timeout: 20_000 },
        (error, _stdout, stderr) => (error ? reject(new Error(`openssl could not make a certificate: ${stderr.trim() || error.message}`)) : resolve()),
      );
    });
    const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    return { key, cert, sha256: new X509Certificate(cert).fingerprint256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
