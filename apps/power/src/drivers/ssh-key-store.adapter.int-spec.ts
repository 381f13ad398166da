import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySshKeyStore } from './ssh-key-store.adapter';

describe('DirectorySshKeyStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'somnus-keys-'));
    await writeFile(join(dir, 'default'), 'KEY-DEFAULT');
    await writeFile(join(dir, 'rack-1.ed25519'), 'KEY-RACK-1');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads <directory>/<keyRef>', async () => {
    const store = new DirectorySshKeyStore(dir);
    expect((await store.privateKey('default'))?.toString()).toBe('KEY-DEFAULT');
    expect((await store.privateKey('rack-1.ed25519'))?.toString()).toBe('KEY-RACK-1');
    expect(await store.privateKey('absent')).toBeUndefined();
  });

  it('never reads outside the directory', async () => {
    const inner = new DirectorySshKeyStore(join(dir, 'sub'));
    expect(await inner.privateKey('../default')).toBeUndefined();
    expect(await inner.privateKey('..')).toBeUndefined();
    expect(await new DirectorySshKeyStore(dir).privateKey('/etc/passwd')).toBeUndefined();
  });
});
