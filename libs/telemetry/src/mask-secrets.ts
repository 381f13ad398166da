// Secrets reach logs through free text far more often than through fields: an error message with a
// connection URL, a request dumped with its Authorization header, a key pasted into a config error. These
// patterns cover what Somnus handles; each replacement keeps enough around the secret to debug with.

const MASK = '***';

const patterns: ReadonlyArray<[RegExp, string]> = [
  // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED...), including one cut off before its END line.
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, '-----BEGIN $1PRIVATE KEY-----***-----END $1PRIVATE KEY-----'],
  // An Authorization header's whole value, whatever the scheme (`Basic dXNlcjpwYXNz`, `Bearer ...`).
  [/\b(authorization)(["']?\s*[:=]\s*["']?)(?!\*\*\*)[^\r\n"',;]+/gi, `$1$2${MASK}`],
  // A bearer token anywhere else. Real tokens are long; the length spares prose such as "a Bearer token".
  [/\b(Bearer)(\s+)(?!\*\*\*)[A-Za-z0-9\-._~+/]{16,}=*/gi, `$1$2${MASK}`],
  // Somnus API tokens, `somnus_<base64url>`. Requiring a digit or capital letter spares lower-case names
  // that merely start with somnus_ (schemas, streams), which a random token all but never looks like.
  [/\bsomnus_(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{20,}/g, `somnus_${MASK}`],
  // Credentials inside URLs: postgres://user:pass@host -> postgres://user:***@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${MASK}@`],
  // key=value and key: value forms in free text (config dumps, query strings).
  [/\b(password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|client[_-]?secret)(["']?\s*[:=]\s*["']?)(?!\*\*\*)[^\s"'&,;]+/gi, `$1$2${MASK}`],
];

/** The text with every secret it recognises replaced by `***`. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of patterns) masked = masked.replace(pattern, replacement);
  return masked;
}
