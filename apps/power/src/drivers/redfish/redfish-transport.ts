/**
 * One HTTP exchange with a BMC over plain Node (node:tls / node:net + node:http), one connection per exchange.
 *
 * TLS is verified by default (the system CA store). With a CA bundle the BMC's chain must lead to it, with the
 * name check. With a pinned SHA-256 fingerprint the certificate presented must be exactly that one: the pin is
 * checked on the connected socket *before* any byte of the request (credentials included) is written. Node
 * does not call `checkServerIdentity` when the chain does not verify, which is precisely the self-signed case a
 * pin is for, so the pin is checked at `secureConnect`, and through `checkServerIdentity` as well when a CA is
 * also given. `insecure` turns chain checks off; a pin still applies when both are set.
 */
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Socket, connect as netConnect, isIP } from 'node:net';
import { PeerCertificate, TLSSocket, checkServerIdentity as checkHostName, connect as tlsConnect } from 'node:tls';

export interface RedfishEndpoint {
  readonly scheme: 'https' | 'http';
  readonly host: string;
  readonly port: number;
  readonly tls: TlsTrust;
}

export interface TlsTrust {
  /** PEM bundle the chain must lead to; absent: the system store. */
  readonly ca?: Buffer;
  /** Uppercase hex pairs joined by ":", as Node's `fingerprint256`. */
  readonly pinnedSha256?: string;
  readonly insecure: boolean;
}

export interface HttpExchange {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export type ExchangeOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string; readonly truncated: boolean }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'unreachable'; readonly cause: string }
  | { readonly kind: 'tls-untrusted'; readonly cause: string };

/** Node's certificate verification codes (OpenSSL's X509_V_ERR names, plus the host name check). */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** `ab:cd..` or `abcd..` -> `AB:CD:..`; the schema has checked it is 32 hex pairs. */
export function normaliseSha256(value: string): string {
  const hex = value.replace(/:/g, '').toUpperCase();
  return (hex.match(/.{2}/g) ?? []).join(':');
}

class PinMismatch extends Error {
  readonly code = 'ERR_SOMNUS_PIN_MISMATCH';
}

function pinFailure(presented: string, pinned: string): string {
  return `the BMC presented a certificate with SHA-256 ${presented}, but ${pinned} is pinned`;
}

/** Never rejects: how the exchange ended is in the outcome. `timeoutMs` bounds connect, handshake and answer together. */
export function exchange(endpoint: RedfishEndpoint, call: HttpExchange, timeoutMs: number, maxBodyBytes: number, signal?: AbortSignal): Promise<ExchangeOutcome> {
  if (signal?.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise<ExchangeOutcome>((resolve) => {
    let settled = false;
    let socket: Socket | undefined;
    const finish = (outcome: ExchangeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ kind: 'aborted' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const onSocketError = (error: Error & { code?: string }): void => {
      if (error instanceof PinMismatch) return finish({ kind: 'tls-untrusted', cause: error.message });
      if (error.code && UNTRUSTED.has(error.code)) return finish({ kind: 'tls-untrusted', cause: error.code });
      finish({ kind: 'unreachable', cause: error.code ?? error.message });
    };

    const send = (connected: Socket): void => {
      const req = httpRequest(
        {
          host: endpoint.host,
          port: endpoint.port,
          method: call.method,
          path: call.path,
          headers: { ...call.headers, ...(call.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(call.body)) }) },
          createConnection: () => connected,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          res.on('data', (chunk: Buffer) => {
            if (size >= maxBodyBytes) {
              truncated = true;
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            finish({ kind: 'answer', status: res.statusCode ?? 0, headers: res.headers, body: body.subarray(0, maxBodyBytes).toString('utf8'), truncated: truncated || body.length > maxBodyBytes });
          });
          res.on('error', onSocketError);
        },
      );
      req.on('error', onSocketError);
      req.end(call.body);
    };

    if (endpoint.scheme === 'http') {
      const plain = netConnect({ host: endpoint.host, port: endpoint.port });
      socket = plain;
      plain.on('error', onSocketError);
      plain.once('connect', () => send(plain));
      return;
    }

    const { ca, pinnedSha256, insecure } = endpoint.tls;
    const verifyChain = !insecure && !(pinnedSha256 && !ca);
    const secure: TLSSocket = tlsConnect({
      host: endpoint.host,
      port: endpoint.port,
      ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
      rejectUnauthorized: verifyChain,
      ...(ca ? { ca } : {}),
      ...(pinnedSha256 && ca
        ? {
            checkServerIdentity: (host: string, cert: PeerCertificate): Error | undefined =>
              checkHostName(host, cert) ?? (cert.fingerprint256 === pinnedSha256 ? undefined : new PinMismatch(pinFailure(cert.fingerprint256, pinnedSha256))),
          }
        : {}),
    });
    socket = secure;
    secure.on('error', onSocketError);
    secure.once('secureConnect', () => {
      if (pinnedSha256) {
        const presented = secure.getPeerCertificate().fingerprint256;
        if (presented !== pinnedSha256) return finish({ kind: 'tls-untrusted', cause: pinFailure(presented ?? 'none', pinnedSha256) });
      }
      send(secure);
    });
  });
}
