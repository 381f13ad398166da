import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { newTokenBodySchema } from '@somnus/contracts';
import { conflict, notFound } from '../http/api-error';
import { causeOf, SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';
import { ApiTokensService, TokenNameTakenError } from './api-tokens.service';
import { RequireRole } from './roles.decorator';

/** API tokens (admin only). A token's secret is returned once, by the request that creates it. */
@RequireRole('admin')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  async create(@Body() body: unknown, @Req() request: SomnusRequest) {
    const { name, role } = validate(newTokenBodySchema, body, 'token');
    try {
      return await this.tokens.issue(name, role, causeOf(request));
    } catch (error) {
      if (error instanceof TokenNameTakenError) throw conflict(error.message);
      throw error;
    }
  }

  @Get()
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(200)
  async revoke(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: SomnusRequest) {
    if (!(await this.tokens.revoke(id, causeOf(request)))) throw notFound(`no active token with id ${id}`);
    return { id, revoked: true };
  }
}
