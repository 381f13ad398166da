// Ed25519 key pairs for tests. ssh2's generator now and then (about 1 in 300) yields a pair it cannot parse
// back; such pairs are thrown away and generated again, so the tests do not fail at random.
import { utils } from 'ssh2';

export function usableKeyPair(): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if ([pair.private, pair.public].every((key) => !(utils.parseKey(key) instanceof Error))) return pair;
  }
  throw new Error('ssh2 produced no parseable ed25519 key pair in 20 tries');
}
