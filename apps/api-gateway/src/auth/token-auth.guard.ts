import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiRole } from '@somnus/contracts';
import { ApiError } from '../http/api-error';
import { SomnusRequest } from '../http/request-context';
import { ApiTokensService, roleAllows } from './api-tokens.service';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './roles.decorator';

/** Every route needs a bearer token with a sufficient role, except those marked `@Public()`. */
@Injectable()
export class TokenAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<SomnusRequest>();
    const header = request.header('authorization') ?? '';
    const secret = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!secret) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthenticated', 'send your API token in the Authorization header, as Bearer followed by the token; the first admin token is in the file named in the start banner');
    }
    const caller = await this.tokens.authenticate(secret);
    if (!caller) throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthenticated', 'this API token is unknown or revoked');
    const needed: ApiRole = this.reflector.getAllAndOverride<ApiRole>(REQUIRED_ROLE, targets) ?? (['GET', 'HEAD'].includes(request.method) ? 'read' : 'operate');
    if (!roleAllows(caller.role, needed)) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', `token "${caller.name}" has role ${caller.role}; this needs ${needed} or higher`);
    }
    request.caller = caller;
    return true;
  }
}
