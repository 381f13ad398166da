import { AlwaysOnPolicy } from './baselines/always-on.policy';
import { ClusterAutoscalerPolicy } from './baselines/cluster-autoscaler.policy';
import { DpmPolicy } from './baselines/dpm.policy';
import { SlurmPowerSavingPolicy } from './baselines/slurm.policy';
import type { PowerPolicy } from './policy.port';
import { SOMNUS_NO_WAIT, SomnusPolicy, type SomnusOptions } from './somnus/somnus.policy';

/** `somnus` is the default (least-energy) setting; `somnus-no-wait` the no-wait preset (SOMNUS_NO_WAIT). */
export const POLICY_NAMES = ['somnus', 'somnus-no-wait', 'always-on', 'slurm', 'cluster-autoscaler', 'dpm'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/** A fresh policy (policies keep learnt state, so each run needs its own). */
export function createPolicy(name: PolicyName, somnus: Partial<SomnusOptions> = {}): PowerPolicy {
  switch (name) {
    case 'somnus':
      return new SomnusPolicy(somnus);
    case 'somnus-no-wait':
      return new SomnusPolicy({ ...SOMNUS_NO_WAIT, ...somnus }, 'somnus-no-wait');
    case 'always-on':
      return new AlwaysOnPolicy();
    case 'slurm':
      return new SlurmPowerSavingPolicy();
    case 'cluster-autoscaler':
      return new ClusterAutoscalerPolicy();
    case 'dpm':
      return new DpmPolicy();
  }
}
