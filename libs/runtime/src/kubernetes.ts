import { KubeConfig } from '@kubernetes/client-node';
import type { RuntimeConfig } from './runtime.config';

/**
 * The Kubernetes client configuration of this process, or undefined when Somnus runs without a cluster
 * (`KUBERNETES_MODE=none`): services that watch pods and drain nodes then stay passive and say so.
 */
export function loadKubeConfig(config: Pick<RuntimeConfig, 'kubernetesMode' | 'KUBECONFIG'>): KubeConfig | undefined {
  if (config.kubernetesMode === 'none') return undefined;
  const kubeConfig = new KubeConfig();
  if (config.kubernetesMode === 'in-cluster') kubeConfig.loadFromCluster();
  else if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
