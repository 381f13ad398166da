import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CreateNode, DeleteNode, GetNode, GetNodeState, ifMatchHeaderSchema, ListNodes, listNodesQuerySchema, Node, nodePatchSchema, nodeSpecSchema, UpdateNode } from '@somnus/contracts';
import { notFound } from '../http/api-error';
import { BusClient, CommandResponse } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

function reply<T>(response: Response, outcome: CommandResponse<T>, doneStatus: number): T | { commandId: string; status: 'accepted' } {
  if (outcome.status === 'accepted') {
    response.status(202);
    return { commandId: outcome.commandId, status: 'accepted' };
  }
  response.status(doneStatus);
  return outcome.result;
}

/** The node catalogue over HTTP; each change is a command to the inventory service. */
@Controller('api/v1/nodes')
export class NodesController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  async create(@Body() body: unknown, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const spec = validate(nodeSpecSchema, body, 'node');
    return reply(response, await this.bus.command<typeof CreateNode, Node>(CreateNode, spec, request), 201);
  }

  @Get()
  async list(@Query() query: unknown, @Req() request: SomnusRequest) {
    return this.bus.query(ListNodes, validate(listNodesQuerySchema, query, 'query'), request);
  }

  @Get(':idOrName')
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
  async update(@Param('idOrName') idOrName: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const patch = validate(nodePatchSchema, body, 'patch');
    const expectedVersion = ifMatch === undefined ? undefined : validate(ifMatchHeaderSchema, ifMatch.replace(/"/g, ''), 'If-Match header');
    const node = await this.find(idOrName, request);
    return reply(response, await this.bus.command<typeof UpdateNode, Node>(UpdateNode, { nodeId: node.id, patch, expectedVersion }, request, node.id), 200);
  }

  @Delete(':idOrName')
  @HttpCode(200)
  async remove(@Param('idOrName') idOrName: string, @Req() request: SomnusRequest, @Res({ passthrough: true }) response: Response) {
    const node = await this.find(idOrName, request);
    return reply(response, await this.bus.command<typeof DeleteNode, { nodeId: string }>(DeleteNode, { nodeId: node.id }, request, node.id), 200);
  }
}
