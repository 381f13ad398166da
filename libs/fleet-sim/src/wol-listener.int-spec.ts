import { createSocket } from 'node:dgram';
import { buildMagicPacket, MagicPacketArrival, parseMagicPacket, WakeOnLanListener } from './wol-listener';

const NODE_A = '02:53:00:00:00:01';
const NODE_B = '02:53:00:00:00:02';

function send(port: number, packet: Buffer): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) =>
    socket.send(packet, port, '127.0.0.1', (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    }),
  );
}

/** Waits for the next arrival, or for `timeoutMs` to pass (then resolves undefined). */
function nextArrival(listener: WakeOnLanListener, timeoutMs: number): Promise<MagicPacketArrival | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      listener.off('magic-packet', onPacket);
      resolve(undefined);
    }, timeoutMs);
    const onPacket = (arrival: MagicPacketArrival): void => {
      clearTimeout(timer);
      listener.off('magic-packet', onPacket);
      resolve(arrival);
    };
    listener.on('magic-packet', onPacket);
  });
}

/** Resolves once the listener has counted `total` packets of any outcome (bounded by the test timeout). */
async function untilCounted(listener: WakeOnLanListener, total: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { valid, malformed, unknownMac } = listener.stats;
    if (valid + malformed + unknownMac >= total) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`listener never counted ${total} packets: ${JSON.stringify(listener.stats)}`);
}

describe('WakeOnLanListener on loopback UDP', () => {
  const listener = new WakeOnLanListener({ port: 0 });

  beforeAll(async () => {
    await listener.start();
    listener.addCard(NODE_A);
    listener.addCard(NODE_B.toUpperCase().replace(/:/g, '-'));
  });
  afterAll(() => listener.stop());

  it('binds an ephemeral port on 127.0.0.1', () => {
    expect(listener.port).toBeGreaterThan(0);
  });

  it('dispatches a valid magic packet to exactly the card it names', async () => {
    const arrival = nextArrival(listener, 2000);
    await send(listener.port, buildMagicPacket(NODE_B));
    const received = await arrival;
    expect(received?.mac).toBe(NODE_B);
    expect(received?.at.monotonicMs).toBeGreaterThan(0);
    expect(received?.at.epochMs).toBeGreaterThan(0);
  });

  it('accepts a packet followed by a SecureOn password', async () => {
    const arrival = nextArrival(listener, 2000);
    await send(listener.port, Buffer.concat([buildMagicPacket(NODE_A), Buffer.from([1, 2, 3, 4, 5, 6])]));
    expect((await arrival)?.mac).toBe(NODE_A);
  });

  it('counts and ignores malformed packets and packets for unknown cards', async () => {
    const before = listener.stats;
    const arrivals: MagicPacketArrival[] = [];
    const collect = (arrival: MagicPacketArrival): void => void arrivals.push(arrival);
    listener.on('magic-packet', collect);

    const corrupted = buildMagicPacket(NODE_A);
    const flipped = 6 + 6 * 7 + 2; // one repetition differs
    corrupted.writeUInt8(corrupted.readUInt8(flipped) ^ 0x01, flipped);
    await send(listener.port, corrupted);
    await send(listener.port, buildMagicPacket(NODE_A).subarray(0, 101)); // truncated
    await send(listener.port, Buffer.from('wake up'));
    await send(listener.port, buildMagicPacket('02:53:00:00:00:99')); // a card nobody has
    await untilCounted(listener, before.valid + before.malformed + before.unknownMac + 4);
    listener.off('magic-packet', collect);

    expect(arrivals).toEqual([]);
    expect(listener.stats.malformed - before.malformed).toBe(3);
    expect(listener.stats.unknownMac - before.unknownMac).toBe(1);
    expect(listener.stats.valid).toBe(before.valid);
  });
});

describe('parseMagicPacket', () => {
  it('reads back the MAC a packet was built for', () => {
    expect(parseMagicPacket(buildMagicPacket('AA-BB-CC-DD-EE-0F'))).toBe('aa:bb:cc:dd:ee:0f');
  });
  it('rejects a packet whose sync bytes are wrong', () => {
    const packet = buildMagicPacket(NODE_A);
    packet[0] = 0xfe;
    expect(parseMagicPacket(packet)).toBeUndefined();
  });
});
