import { JetStreamBus } from '@somnus/bus';
import { realServices } from './services';

/** Deletes the streams a test created under its bus namespace, so test runs leave nothing on NATS. */
export async function removeBusNamespace(namespace: string): Promise<void> {
  const bus = await JetStreamBus.connect({ url: realServices.natsUrl, name: 'test-cleanup', namespace });
  try {
    await bus.destroyNamespace();
  } finally {
    await bus.close();
  }
}
