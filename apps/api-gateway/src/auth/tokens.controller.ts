import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { apiRoleSchema } from '@somnus/contracts';
import { conflict, notFound } from '../http/api-error';
import { causeOf, SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';
import { ApiTokensService, TokenNameTakenError } from './api-tokens.service';
import { RequireRole } from './roles.decorator';

const newToken = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'name must be 1-63 lower-case letters, digits, ".", "_" or "-"'),
    role: apiRoleSchema,
  })
  .strict();

/** API tokens (admin only). A token's secret is returned once, by the request that creates it. */
@ApiTags('tokens')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @ApiOperation({ summary: 'Create a token with role read, operate or admin; the response is the only time its secret is shown.' })
  async create(@Body() body: unknown, @Req() request: SomnusRequest) {
    const { name, role } = validate(newToken, body, 'token');
    try {
      return await this.tokens.issue(name, role, causeOf(request));
    } catch (error) {
      if (error instanceof TokenNameTakenError) throw conflict(error.message);
      throw error;
    }
  }

  @Get()
  @ApiOperation({ summary: 'List tokens (never their secrets).' })
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a token.' })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: SomnusRequest) {
    if (!(await this.tokens.revoke(id, causeOf(request)))) throw notFound(`no active token with id ${id}`);
    return { id, revoked: true };
  }
}
