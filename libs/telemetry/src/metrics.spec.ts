import { createMetrics } from './metrics';

/** The value of the exposition line for `name` whose labels include all of `labels`, in any order. */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    const labelText = match?.[2];
    if (!match || match[1] !== name || labelText === undefined) continue;
    const present = new Map([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

describe('createMetrics', () => {
  it('exposes the shared instruments with the service label', async () => {
    const metrics = createMetrics('inventory', { defaultMetrics: false });
    const upsert = 'somnus.cmd.node.upsert.v1';
    metrics.busMessagesPublished.inc({ subject: 'somnus.evt.node.upserted.v1' });
    metrics.busMessagesHandled.inc({ subject: upsert, consumer: 'inventory', outcome: 'acked' }, 2);
    metrics.busMessagesDeadLettered.inc({ subject: upsert, reason: 'invalid' });
    metrics.busHandlerDuration.observe({ subject: upsert, consumer: 'inventory' }, 0.004);
    metrics.httpRequests.inc({ method: 'POST', route: '/api/v1/nodes', status: '201' });

    const { contentType, body } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    const service = 'inventory';
    expect(sample(body, 'somnus_bus_messages_published_total', { subject: 'somnus.evt.node.upserted.v1', service })).toBe(1);
    expect(sample(body, 'somnus_bus_messages_handled_total', { subject: upsert, consumer: 'inventory', outcome: 'acked', service })).toBe(2);
    expect(sample(body, 'somnus_bus_messages_dead_lettered_total', { subject: upsert, reason: 'invalid', service })).toBe(1);
    expect(sample(body, 'somnus_bus_handler_duration_seconds_bucket', { le: '0.001', subject: upsert, service })).toBe(0);
    expect(sample(body, 'somnus_bus_handler_duration_seconds_bucket', { le: '0.005', subject: upsert, service })).toBe(1);
    expect(sample(body, 'somnus_http_requests_total', { method: 'POST', route: '/api/v1/nodes', status: '201', service })).toBe(1);
  });

  it('reads gauges at scrape time', async () => {
    const metrics = createMetrics('power', { defaultMetrics: false });
    let asleep = 3;
    metrics.gauge('somnus_nodes_asleep', 'Nodes asleep now.', ['tier'], (gauge) => gauge.set({ tier: 'dev' }, asleep));
    expect(sample((await metrics.scrape()).body, 'somnus_nodes_asleep', { tier: 'dev', service: 'power' })).toBe(3);
    asleep = 5;
    expect(sample((await metrics.scrape()).body, 'somnus_nodes_asleep', { tier: 'dev', service: 'power' })).toBe(5);
  });

  it('keeps each registry separate and includes Node.js process metrics by default', () => {
    const gateway = createMetrics('api-gateway');
    const audit = createMetrics('audit');
    gateway.counter('somnus_tokens_created_total', 'API tokens created.').inc();
    expect(gateway.registry.getSingleMetric('process_cpu_user_seconds_total')).toBeDefined();
    expect(gateway.registry.getSingleMetric('somnus_tokens_created_total')).toBeDefined();
    expect(audit.registry.getSingleMetric('somnus_tokens_created_total')).toBeUndefined();
  });
});
