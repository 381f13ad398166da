import { EnvSshKeyStore } from './ssh-key-store.adapter';

describe('EnvSshKeyStore', () => {
  const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n';

  it('reads SOMNUS_SSH_KEY_<REF> as the key or as base64 of it', async () => {
    const store = new EnvSshKeyStore({ SOMNUS_SSH_KEY_RACK_1: pem, SOMNUS_SSH_KEY_DEFAULT: Buffer.from(pem).toString('base64') });
    expect((await store.privateKey('rack-1'))?.toString()).toBe(pem);
    expect((await store.privateKey('default'))?.toString()).toBe(pem);
  });

  it('has no key for an unknown or malformed name', async () => {
    const store = new EnvSshKeyStore({ SOMNUS_SSH_KEY_DEFAULT: pem });
    expect(await store.privateKey('other')).toBeUndefined();
    expect(await store.privateKey('../default')).toBeUndefined();
  });
});
