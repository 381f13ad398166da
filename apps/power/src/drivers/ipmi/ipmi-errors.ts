// The ways an IPMI power action fails, each with a stable code the service can record and act on.
// No message here carries a password: only the node, the BMC address, the user name and the secret's name.
import { PowerDriverError } from '../power-driver.port';

export const IPMI_ERROR_CODES = [
  'ipmi-auth-failed',
  'ipmi-unreachable',
  'ipmi-bmc-busy',
  'ipmi-timeout',
  'ipmi-credential-missing',
  'ipmi-not-configured',
  'ipmi-command-failed',
  'ipmi-aborted',
] as const;
export type IpmiErrorCode = (typeof IPMI_ERROR_CODES)[number];

/** Whether trying again can help: a wrong password or a missing setting stays wrong; a busy BMC frees up. */
const RETRYABLE: Record<IpmiErrorCode, boolean> = {
  'ipmi-auth-failed': false,
  'ipmi-unreachable': true,
  'ipmi-bmc-busy': true,
  'ipmi-timeout': true,
  'ipmi-credential-missing': false,
  'ipmi-not-configured': false,
  'ipmi-command-failed': false,
  // The service is shutting down; the action did not run to its end and may be asked for again.
  'ipmi-aborted': true,
};

export class IpmiError extends PowerDriverError {
  constructor(
    override readonly code: IpmiErrorCode,
    message: string,
  ) {
    super(code, message, RETRYABLE[code]);
  }
}

/** True for failures where the command may have reached the BMC (a cycle must not be repeated blindly). */
export function mayHaveReachedBmc(error: IpmiError): boolean {
  return error.code === 'ipmi-timeout' || error.code === 'ipmi-aborted';
}
