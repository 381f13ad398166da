import { describeWithServices, realServices, uniqueName } from '@somnus/testing';
import { describeBusContract } from './bus.contract';
import { JetStreamBus } from './jetstream-bus.adapter';
import { removeJetStreamNamespace } from './jetstream-namespace';

describeWithServices(['nats'], 'JetStreamBus', () => {
  const namespace = uniqueName('bustest');
  describeBusContract(async () => {
    return JetStreamBus.connect({ url: realServices.natsUrl, name: 'bus-contract', namespace });
  });

  afterAll(async () => {
    await removeJetStreamNamespace(realServices.natsUrl, namespace);
  });
});
