import { connect } from 'nats';
import { jetStreamLayout } from './jetstream-bus.adapter';

/**
 * Removes a namespace's streams from a NATS server: what a test, a benchmark or a namespaced stack leaves
 * behind. An operator's tool, kept out of the adapter so production code never holds it. Refuses the
 * empty namespace, which holds production's streams.
 */
export async function removeJetStreamNamespace(url: string, namespace: string): Promise<void> {
  if (!namespace) throw new Error('refusing to delete the production streams: give the namespace a test or benchmark used');
  const nc = await connect({ servers: url, name: 'namespace-cleanup' });
  try {
    const jsm = await nc.jetstreamManager();
    for (const spec of Object.values(jetStreamLayout(namespace).streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  } finally {
    await nc.drain().catch(() => undefined);
  }
}
