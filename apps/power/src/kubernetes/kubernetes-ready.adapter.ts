// Wake verification's last stage for a Kubernetes node: its Node object reports Ready=True.
import { CoreV1Api, KubeConfig, V1Node } from '@kubernetes/client-node';

export function isNodeReady(node: V1Node): boolean {
  return node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** A bounded Ready check (`readNode` with a timeout), for `WakeVerifier`'s `isKubernetesReady`. */
export function kubernetesReadiness(kubeConfig: KubeConfig, timeoutMs: number): (kubernetesNodeName: string) => Promise<boolean> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async (name) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the Kubernetes API did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return isNodeReady(await Promise.race([core.readNode({ name }), timeout]));
    } finally {
      clearTimeout(timer);
    }
  };
}
