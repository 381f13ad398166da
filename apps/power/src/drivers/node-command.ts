// The only things the SSH driver can ask a node to do. Each maps to a fixed command line from
// @somnus/contracts; there is deliberately no variant that carries a command string.
import { SSH_COMMANDS, preSleepHookCommand } from '@somnus/contracts';

export type NodeCommand =
  | { readonly kind: 'suspend' }
  | { readonly kind: 'power-off' }
  | { readonly kind: 'read-activity' }
  | { readonly kind: 'pre-sleep-hook'; readonly hook: string };

/** The command line for a node command; throws for anything that is not one (e.g. a bad hook name). */
export function commandLine(command: NodeCommand): string {
  switch (command.kind) {
    case 'suspend':
      return SSH_COMMANDS.suspend;
    case 'power-off':
      return SSH_COMMANDS.powerOff;
    case 'read-activity':
      return SSH_COMMANDS.activity;
    case 'pre-sleep-hook':
      return preSleepHookCommand(command.hook);
    default: {
      // Reached only by callers that bypass the types (plain JavaScript, deserialised input).
      const unknownCommand: never = command;
      throw new Error(`not a node command: ${JSON.stringify(unknownCommand)}`);
    }
  }
}

export function describeCommand(command: NodeCommand): string {
  return command.kind === 'pre-sleep-hook' ? `pre-sleep hook "${command.hook}"` : command.kind;
}
