import { Client } from 'pg';
import { realServices, uniqueName } from './services';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database on the real PostgreSQL for one test file; `drop()` removes it. */
export async function createTestDatabase(prefix = 'somnus_t'): Promise<TestDatabase> {
  const name = uniqueName(prefix).toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: realServices.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(realServices.postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: realServices.postgresUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
