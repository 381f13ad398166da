import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { ApiRole, Cause, IssuedToken, TokenIssued, TokenRevoked, TokenSummary } from '@somnus/contracts';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { ApiTokenEntity } from '../persistence/api-token.entity';

const ROLE_RANK: Record<ApiRole, number> = { read: 1, operate: 2, admin: 3 };

export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return ROLE_RANK[held] >= ROLE_RANK[needed];
}

/** `somnus_` and 32 random bytes, base64url: recognisable in a leaked-secret scan, unguessable. */
export function newTokenSecret(): string {
  return `somnus_${randomBytes(32).toString('base64url')}`;
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface Caller {
  tokenId: string;
  name: string;
  role: ApiRole;
}


export class TokenNameTakenError extends Error {}

/** Issues, checks and revokes API tokens; issuing and revoking are events with their cause. */
@Injectable()
export class ApiTokensService {
  constructor(@Inject(SERVICE_STORE) private readonly store: ServiceStore) {}

  private get tokens() {
    return this.store.dataSource.getRepository(ApiTokenEntity);
  }

  async authenticate(secret: string): Promise<Caller | undefined> {
    if (!/^somnus_[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
    const wanted = digest(secret);
    const token = await this.tokens.findOneBy({ secretSha256: wanted });
    if (!token || token.revokedAt) return undefined;
    if (!timingSafeEqual(Buffer.from(token.secretSha256), Buffer.from(wanted))) return undefined;
    return { tokenId: token.id, name: token.name, role: token.role };
  }

  async issue(name: string, role: ApiRole, cause: Cause): Promise<IssuedToken> {
    const secret = newTokenSecret();
    const result = await this.store.transact(async (tx) => {
      const repository = tx.manager.getRepository(ApiTokenEntity);
      if (await repository.findOneBy({ name })) throw new TokenNameTakenError(`a token named "${name}" exists: choose another name or revoke it first`);
      const entity = repository.create({ id: randomUUID(), name, role, secretSha256: digest(secret), createdAt: new Date(), createdBy: cause.actor, revokedAt: null });
      await repository.save(entity);
      await tx.emit(TokenIssued, { tokenId: entity.id, name, role }, { cause, subject: entity.id });
      return entity;
    });
    if (result.duplicate) throw new Error('unexpected duplicate');
    const { id, createdAt } = result.result;
    return { id, name, role, createdAt: createdAt.toISOString(), token: secret };
  }

  async list(): Promise<TokenSummary[]> {
    const tokens = await this.tokens.find({ order: { createdAt: 'ASC' } });
    return tokens.map((t) => ({ id: t.id, name: t.name, role: t.role, createdAt: t.createdAt.toISOString(), createdBy: t.createdBy, revokedAt: t.revokedAt?.toISOString() ?? null }));
  }

  async revoke(id: string, cause: Cause): Promise<boolean> {
    const result = await this.store.transact(async (tx) => {
      const repository = tx.manager.getRepository(ApiTokenEntity);
      const token = await repository.findOneBy({ id });
      if (!token || token.revokedAt) return false;
      token.revokedAt = new Date();
      await repository.save(token);
      await tx.emit(TokenRevoked, { tokenId: token.id, name: token.name, role: token.role }, { cause, subject: token.id });
      return true;
    });
    return !result.duplicate && result.result;
  }

  async hasActiveAdmin(): Promise<boolean> {
    return (await this.tokens.count({ where: { role: 'admin', revokedAt: IsNull() } })) > 0;
  }
}
