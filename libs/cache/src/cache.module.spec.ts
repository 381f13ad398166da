import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cache, CACHE } from './cache.port';
import { CacheModule } from './cache.module';

@Injectable()
class NetboxSync {
  constructor(@Inject(CACHE) readonly cache: Cache) {}
}

@Module({ providers: [NetboxSync] })
class InventoryModule {}

describe('CacheModule', () => {
  it('gives every module the configured cache and closes it with the application', async () => {
    @Module({ imports: [CacheModule.forRoot({ namespace: 'inventory', families: { 'netbox-devices': 300 } }), InventoryModule] })
    class AppModule {}

    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const { cache } = app.get(NetboxSync);
    expect(cache.kind).toBe('memory');
    await cache.set('netbox-devices', 'gpu-07', { rack: 'r12' });
    expect(await cache.get('netbox-devices', 'gpu-07')).toEqual({ rack: 'r12' });

    await app.close();
    await expect(cache.ping()).rejects.toThrow(/closed/);
  });
});
