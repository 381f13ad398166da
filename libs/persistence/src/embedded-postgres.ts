import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL for TypeORM and `pg`; use a pool of 1 (one PGlite session). */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * PGlite served over the Postgres wire protocol on loopback, so TypeORM and `pg` run unchanged. Data lives
 * in `dataDir` (the all-in-one uses `.somnus/pgdata`); `memory://` keeps it in memory.
 */
export async function startEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    dataDir,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
