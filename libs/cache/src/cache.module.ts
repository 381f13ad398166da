import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Cache, CACHE, CacheConfig } from './cache.port';
import { createCache } from './create-cache';

@Injectable()
class CacheCloser implements OnApplicationShutdown {
  constructor(@Inject(CACHE) private readonly cache: Cache) {}

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
  }
}

/** Provides {@link CACHE} to the whole application and closes it when the application shuts down. */
@Module({})
export class CacheModule {
  static forRoot(config: CacheConfig): DynamicModule {
    return {
      module: CacheModule,
      global: true,
      providers: [{ provide: CACHE, useFactory: (): Cache => createCache(config) }, CacheCloser],
      exports: [CACHE],
    };
  }
}
