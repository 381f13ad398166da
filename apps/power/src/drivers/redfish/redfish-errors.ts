// How a Redfish action fails. Codes are stable (recorded, matched on by operators' alerts); messages name the
// BMC, what went wrong and what to change. No message carries a password, a session token or a CA bundle.
import { PowerDriverError } from '../power-driver.port';

export const REDFISH_ERROR_CODES = [
  'redfish-auth-failed',
  'redfish-unreachable',
  'redfish-timeout',
  'redfish-tls-untrusted',
  'redfish-reset-not-allowed',
  'redfish-no-system',
  'redfish-bad-response',
  'redfish-credential-missing',
  'redfish-not-configured',
] as const;
export type RedfishErrorCode = (typeof REDFISH_ERROR_CODES)[number];

export class RedfishError extends PowerDriverError {
  constructor(
    override readonly code: RedfishErrorCode,
    message: string,
    retryable: boolean,
    /** The HTTP status of the answer that failed, when there was one. */
    readonly status?: number,
  ) {
    super(code, message, retryable);
  }
}
