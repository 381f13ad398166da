import { ensureServices, RealService } from './services';

/** Probes the real services once per `npm test`; see `describeWithServices`. */
export default async function globalSetup(): Promise<void> {
  const available: RealService[] = [];
  for (const name of ['postgres', 'nats', 'redis'] as const) {
    if (await ensureServices(name)) available.push(name);
  }
  process.env.SOMNUS_AVAILABLE_SERVICES = available.join(',');
}
