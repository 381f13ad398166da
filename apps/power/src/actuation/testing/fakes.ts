// Scripted drivers and verifiers for the use-case tests.
import type { Node } from '@somnus/contracts';
import { DriverContext, DriverResult, PowerAction, PowerDriver, PowerDriverError, SupportCheck } from '../../drivers/power-driver.port';
import { SleepVerification, VerifiesSleep } from '../sleep-verifier';
import { VerifiesWake, WakeVerification } from '../wake-verifier';

export type ScriptedSend = 'ok' | PowerDriverError;

/** Answers each call with the next scripted result; the last one repeats. Can hold calls until released. */
export class ScriptedDriver implements PowerDriver {
  readonly calls: Array<{ action: PowerAction; node: string; ctx: DriverContext }> = [];
  private held: Array<() => void> = [];
  hold = false;

  constructor(
    readonly name: string,
    private readonly script: ScriptedSend[] = ['ok'],
  ) {}

  supports(): SupportCheck {
    return { supported: true };
  }

  release(): void {
    this.hold = false;
    for (const go of this.held.splice(0)) go();
  }

  wake(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.answer('wake', node, ctx);
  }
  sleep(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.answer('sleep', node, ctx);
  }
  powerOff(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.answer('power-off', node, ctx);
  }

  private async answer(action: PowerAction, node: Node, ctx: DriverContext): Promise<DriverResult> {
    this.calls.push({ action, node: node.name, ctx });
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    const next = this.script[Math.min(this.calls.length - 1, this.script.length - 1)]!;
    if (next === 'ok') return { ok: true, driver: this.name, detail: `${action} sent` };
    return { ok: false, driver: this.name, reason: next.message, error: next };
  }
}

export class ScriptedWakeVerifier implements VerifiesWake {
  calls = 0;
  constructor(private readonly script: WakeVerification[]) {}
  async verify(): Promise<WakeVerification> {
    this.calls += 1;
    return this.script[Math.min(this.calls - 1, this.script.length - 1)]!;
  }
}

export class ScriptedSleepVerifier implements VerifiesSleep {
  calls = 0;
  constructor(private readonly outcome: SleepVerification) {}
  async verify(): Promise<SleepVerification> {
    this.calls += 1;
    return this.outcome;
  }
}

export const VERIFIED: WakeVerification = { verified: true, verifiedBy: ['tcp'], elapsedMs: 1_000 };
export const NOT_VERIFIED: WakeVerification = { verified: false, stage: 'tcp', reason: 'nothing answers on 10.0.1.17:22', permanent: false, elapsedMs: 180_000 };
