import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger } from './logger';

const secret = `somnus_${'Zk4TqP9mW2xR7vLb_N3cY8hJ5dG1fS6aE0uIo'}`;
const password = 'pa55-w0rd-not-for-logs';

/** A pino destination that keeps each JSON line, so the test reads exactly what would reach stdout. */
function captureLines() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the service and level', () => {
    const out = captureLines();
    createLogger({ service: 'inventory', level: 'info', destination: out.stream }).info({ node: 'gpu-07' }, 'node upserted');
    expect(out.records()).toEqual([expect.objectContaining({ service: 'inventory', level: 'info', node: 'gpu-07', msg: 'node upserted' })]);
  });

  it('censors secret fields at the top level, one level down and in request headers', () => {
    const out = captureLines();
    const logger = createLogger({ service: 'api-gateway', level: 'info', destination: out.stream });
    logger.info({
      token: secret,
      db: { url: 'postgres://db/somnus', password },
      bmc: { user: 'admin', key: 'ipmi-kg-key-material', apiKey: 'k-123456', secret: 's-1' },
      ssh: { privateKey: 'ssh-private-bytes' },
      headers: { authorization: `Bearer ${secret}` },
      req: { headers: { authorization: `Bearer ${secret}`, cookie: 'session=abc' } },
    }, 'request');

    const text = out.lines.join('\n');
    for (const leaked of [secret, password, 'ipmi-kg-key-material', 'k-123456', 'ssh-private-bytes', 'session=abc', '"s-1"']) {
      expect(text).not.toContain(leaked);
    }
    const [record] = out.records();
    expect(record).toMatchObject({ token: '***', db: { url: 'postgres://db/somnus', password: '***' }, bmc: { user: 'admin', key: '***' } });
  });

  it('keeps a top-level key, which names what the cache or bus touched', () => {
    const out = captureLines();
    createLogger({ service: 'inventory', level: 'info', destination: out.stream }).info({ key: 'netbox-devices/gpu-07' }, 'cache miss');
    expect(out.records()[0]).toMatchObject({ key: 'netbox-devices/gpu-07' });
  });

  it('masks secrets in messages, interpolated arguments and errors', () => {
    const out = captureLines();
    const logger = createLogger({ service: 'power', level: 'info', destination: out.stream });
    logger.warn(`retrying redis://:${password}@127.0.0.1:6379`);
    logger.info('token %s accepted', secret);
    logger.error({ err: new Error(`connect failed: postgres://somnus:${password}@db/somnus`) }, 'database down');

    const text = out.lines.join('\n');
    expect(text).not.toContain(password);
    expect(text).not.toContain(secret);
    expect(out.records()[2]).toMatchObject({ err: { message: 'connect failed: postgres://somnus:***@db/somnus' } });
  });

  it('drops lines below the configured level', () => {
    const out = captureLines();
    const logger = createLogger({ service: 'audit', level: 'warn', destination: out.stream });
    logger.info('not written');
    logger.warn('written');
    expect(out.records().map((record) => record.msg)).toEqual(['written']);
  });
});

describe('NestPinoLogger', () => {
  it('forwards Nest calls with their context and masks error stacks', () => {
    const out = captureLines();
    const nest = new NestPinoLogger(createLogger({ service: 'inventory', level: 'trace', destination: out.stream }));
    nest.log('Nest application successfully started', 'NestApplication');
    nest.error('sync failed', `Error: bad\n    at connect (postgres://u:${password}@db)`, 'NetboxSync');
    nest.verbose({ nodes: 3 }, 'Catalogue');

    const records = out.records();
    expect(records[0]).toMatchObject({ level: 'info', context: 'NestApplication', msg: 'Nest application successfully started' });
    expect(records[1]).toMatchObject({ level: 'error', context: 'NetboxSync', msg: 'sync failed' });
    expect(out.lines.join('\n')).not.toContain(password);
    expect(records[2]).toMatchObject({ level: 'trace', context: 'Catalogue', nodes: 3 });
  });

  it('maps Nest log levels onto pino', () => {
    const out = captureLines();
    const logger = createLogger({ service: 'inventory', level: 'info', destination: out.stream });
    new NestPinoLogger(logger).setLogLevels(['error', 'warn']);
    expect(logger.level).toBe('warn');
  });
});
