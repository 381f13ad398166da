import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { newMessageId } from '@somnus/contracts';
import { SERVICE_INFRASTRUCTURE, ServiceInfrastructure } from '@somnus/runtime';
import { ApiTokensService } from './api-tokens.service';

/**
 * On first start (no admin token yet) creates one and writes it to a file only its owner can read; the log
 * says where the file is, never what is in it.
 */
@Injectable()
export class AdminTokenBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('api-tokens');
  /** Where the first admin token was written in this run, if it was. */
  writtenTo?: string;

  constructor(
    private readonly tokens: ApiTokensService,
    @Inject(SERVICE_INFRASTRUCTURE) private readonly infrastructure: ServiceInfrastructure,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.infrastructure.config.adminTokenFile;
    if (await this.tokens.hasActiveAdmin()) {
      if (!existsSync(file)) this.logger.log(`an admin token exists (its file ${file} is gone; ask an admin for a token)`);
      return;
    }
    const issued = await this.tokens.issue(`admin-${new Date().toISOString().slice(0, 10)}-${newMessageId().slice(0, 6)}`, 'admin', {
      actor: 'system:first-start',
      correlationId: newMessageId(),
    });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${issued.token}\n`, { mode: 0o600 });
    this.writtenTo = file;
    this.logger.log(`first start: created admin token "${issued.name}"; it is in ${file} (mode 0600)`);
  }
}
