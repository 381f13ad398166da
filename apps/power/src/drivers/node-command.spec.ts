import { SSH_COMMANDS } from '@somnus/contracts';
import { NodeCommand, commandLine } from './node-command';

describe('commandLine', () => {
  it('maps each node command to its fixed command line', () => {
    expect(commandLine({ kind: 'suspend' })).toBe(SSH_COMMANDS.suspend);
    expect(commandLine({ kind: 'power-off' })).toBe(SSH_COMMANDS.powerOff);
    expect(commandLine({ kind: 'read-activity' })).toBe(SSH_COMMANDS.activity);
    expect(commandLine({ kind: 'pre-sleep-hook', hook: 'flush-caches' })).toBe('sudo -n /etc/somnus/pre-sleep.d/flush-caches');
  });

  it('refuses a hook name that would smuggle in a command', () => {
    expect(() => commandLine({ kind: 'pre-sleep-hook', hook: 'x; rm -rf /' })).toThrow('must be lower-case');
    expect(() => commandLine({ kind: 'pre-sleep-hook', hook: '../../bin/sh' })).toThrow();
  });

  it('has no way to pass a command string', () => {
    // @ts-expect-error -- a raw command is not a NodeCommand
    const raw: NodeCommand = { kind: 'exec', command: 'reboot' };
    expect(() => commandLine(raw)).toThrow('not a node command');
    expect(() => commandLine('reboot' as unknown as NodeCommand)).toThrow('not a node command');
  });
});
