import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { CreateNode, DeleteNode, GetNode, GetNodeState, ListNodes, Node, nodePatchSchema, nodeSpecSchema, tierSchema, UpdateNode } from '@somnus/contracts';
import { notFound } from '../http/api-error';
import { BusClient, CommandResponse } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  tier: tierSchema.optional(),
  label: z.string().regex(/^[^=]+(=.*)?$/, 'label must be key or key=value').optional(),
});

function reply<T>(response: Response, outcome: CommandResponse<T>, doneStatus: number): T | { commandId: string; status: 'accepted' } {
  if (outcome.status === 'accepted') {
    response.status(202);
    return { commandId: outcome.commandId, status: 'accepted' };
  }
  response.status(doneStatus);
  return outcome.result;
}

/** The node catalogue over HTTP; each change is a command to the inventory service. */
@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/v1/nodes')
export class NodesController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  @ApiOperation({ summary: 'Add a node (operate). 201 with the node; 409 when the name is taken; 202 if the inventory is slow to answer.' })
  @ApiBody({ schema: z.toJSONSchema(nodeSpecSchema, { io: 'input', unrepresentable: 'any' }) as object })
  async create(@Body() body: unknown, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const spec = validate(nodeSpecSchema, body, 'node');
    return reply(response, await this.bus.command<typeof CreateNode, Node>(CreateNode, spec, request), 201);
  }

  @Get()
  @ApiOperation({ summary: 'List nodes (read), filtered by tier or label (key or key=value).' })
  async list(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(ListNodes, validate(listQuery, query, 'query'), request);
  }

  @Get(':idOrName')
  @ApiOperation({
    summary: 'One node by id or name (read), with `status`: lifecycle state, power state, since when, the last transition and why, and recent history (null while lifecycle does not know it).',
  })
  async get(@Param('idOrName') idOrName: string, @Req() request: SomnusRequest) {
    const node = await this.find(idOrName, request);
    const lifecycle = await this.bus.optionalQuery(GetNodeState, { nodeId: node.id, historyLimit: 10 }, request);
    return { ...node, status: lifecycle?.state ? { ...lifecycle.state, history: lifecycle.history } : null };
  }

  private async find(idOrName: string, request: SomnusRequest): Promise<Node> {
    const { node } = await this.bus.query(GetNode, { idOrName }, request);
    if (!node) throw notFound(`no node with id or name "${idOrName}"`);
    return node;
  }

  @Patch(':idOrName')
  @ApiOperation({ summary: 'Change fields of a node (operate). Send If-Match: <version> to refuse lost updates (409).' })
  @ApiBody({ schema: z.toJSONSchema(nodePatchSchema, { io: 'input', unrepresentable: 'any' }) as object })
  async update(@Param('idOrName') idOrName: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const patch = validate(nodePatchSchema, body, 'patch');
    const expectedVersion = ifMatch === undefined ? undefined : validate(z.coerce.number().int().positive(), ifMatch.replace(/"/g, ''), 'If-Match header');
    const node = await this.find(idOrName, request);
    return reply(response, await this.bus.command<typeof UpdateNode, Node>(UpdateNode, { nodeId: node.id, patch, expectedVersion }, request, node.id), 200);
  }

  @Delete(':idOrName')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a node from the catalogue (operate).' })
  async remove(@Param('idOrName') idOrName: string, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const node = await this.find(idOrName, request);
    return reply(response, await this.bus.command<typeof DeleteNode, { nodeId: string }>(DeleteNode, { nodeId: node.id }, request, node.id), 200);
  }
}
