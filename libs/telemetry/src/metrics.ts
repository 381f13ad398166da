import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Seconds, from a fast in-memory handler (~1 ms) to a slow wake verification or drain (~minutes).
const HANDLER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event-loop lag, GC). On by default. */
  defaultMetrics?: boolean;
}

/**
 * One service's Prometheus registry and the instruments every service shares. Every series carries a
 * `service` label. The all-in-one creates one set for the whole process (`createMetrics('all-in-one')`),
 * since two registries with the same metric names cannot be served on one `/metrics`.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Messages published to the bus, by subject. */
  readonly busMessagesPublished: Counter<'subject'>;
  /** Deliveries handled, by subject, consumer and outcome (`acked`, `retried`, `dead_lettered`, `rejected`). */
  readonly busMessagesHandled: Counter<'subject' | 'consumer' | 'outcome'>;
  /** Messages sent to the dead-letter subject, by subject and reason (`invalid`, `max_deliveries`, ...). */
  readonly busMessagesDeadLettered: Counter<'subject' | 'reason'>;
  readonly busHandlerDuration: Histogram<'subject' | 'consumer'>;
  /** HTTP requests by method, route pattern (`/api/v1/nodes/:id`, never the raw path) and status code. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  histogram<L extends string>(name: string, help: string, labelNames?: readonly L[], buckets?: number[]): Histogram<L>;
  /** A gauge whose value is read at scrape time (queue depth, cache hit ratio, nodes asleep). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => void): Gauge<L>;
  /** The exposition text for `/metrics`, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(service: string, options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets = HANDLER_BUCKETS): Histogram<L> =>
    new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => void): Gauge<L> =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        collect(this);
      },
    });

  return {
    registry,
    busMessagesPublished: counter('somnus_bus_messages_published_total', 'Messages published to the bus.', ['subject']),
    busMessagesHandled: counter('somnus_bus_messages_handled_total', 'Bus deliveries handled, by outcome.', ['subject', 'consumer', 'outcome']),
    busMessagesDeadLettered: counter('somnus_bus_messages_dead_lettered_total', 'Messages sent to the dead-letter subject.', ['subject', 'reason']),
    busHandlerDuration: histogram('somnus_bus_handler_duration_seconds', 'Time a bus handler took.', ['subject', 'consumer']),
    httpRequests: counter('somnus_http_requests_total', 'HTTP requests served.', ['method', 'route', 'status']),
    httpRequestDuration: histogram('somnus_http_request_duration_seconds', 'HTTP request latency.', ['method', 'route', 'status'], HTTP_BUCKETS),
    counter,
    histogram,
    gauge,
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
