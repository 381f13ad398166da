import { DataSource, EntitySchema, MixedList } from 'typeorm';

export interface DataSourceSettings {
  /** postgres://user:password@host:port/database */
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  /** Connections in the pool; 1 for the embedded Postgres, whose single session must not interleave. */
  poolSize?: number;
  applicationName: string;
}

/**
 * A TypeORM data source for one service (or, in the all-in-one, for the embedded database every service
 * shares). Each entity names its own schema; `synchronize` is never on: migrations own the tables.
 */
export async function createDataSource(settings: DataSourceSettings): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: settings.url,
    entities: settings.entities,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: settings.applicationName,
    extra: { max: settings.poolSize ?? 5, connectionTimeoutMillis: 10_000 },
  });
  return dataSource.initialize();
}

/** Hides the password of a database URL, for logs, banners and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
