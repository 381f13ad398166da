/**
 * The exact commands Somnus runs on a node over SSH. They are fixed per action and never assembled from
 * user input; the fleet simulator accepts exactly these and refuses everything else.
 */
export const SSH_COMMANDS = {
  suspend: 'sudo -n systemctl suspend',
  powerOff: 'sudo -n systemctl poweroff',
  /** Load average, network counters and the number of logged-in sessions, in their /proc and who(1) formats. */
  activity: 'cat /proc/loadavg /proc/net/dev && who | wc -l',
} as const;

/** A pre-sleep hook is a script installed on the node under this directory, run by name. */
export const PRE_SLEEP_HOOK_DIR = '/etc/somnus/pre-sleep.d';
export function preSleepHookCommand(hook: string): string {
  if (!/^[a-z0-9-]+$/.test(hook)) throw new Error(`hook name "${hook}" must be lower-case letters, digits and "-"`);
  return `sudo -n ${PRE_SLEEP_HOOK_DIR}/${hook}`;
}

/** Kubernetes annotation that keeps a pod's node awake. */
export const DO_NOT_SLEEP_ANNOTATION = 'somnus.io/do-not-sleep';
