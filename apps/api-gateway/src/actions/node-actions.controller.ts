import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { DrainNode, GetNode, maintenanceBodySchema, nodeActionBodySchema, SetMaintenance, WakeNode } from '@somnus/contracts';
import { notFound } from '../http/api-error';
import { BusClient } from '../http/bus-client';
import { SomnusRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';

/**
 * What an operator asks of a node. Wake goes to the power service; sleep goes to lifecycle, which runs the
 * safety checks, drains the node and then asks power to suspend it. A refusal is a 409 with the reason.
 */
@Controller('api/v1/nodes/:idOrName')
export class NodeActionsController {
  constructor(private readonly bus: BusClient) {}

  private async nodeId(idOrName: string, request: SomnusRequest): Promise<string> {
    const { node } = await this.bus.query(GetNode, { idOrName }, request);
    if (!node) throw notFound(`no node with id or name "${idOrName}"`);
    return node.id;
  }

  private reason(action: string, request: SomnusRequest, given?: string): string {
    return `${action} requested by ${request.caller?.name ?? 'unknown'} through the API${given ? `: ${given}` : ''}`;
  }

  @Post('wake')
  @HttpCode(202)
  async wake(@Param('idOrName') idOrName: string, @Body() body: unknown, @Req() request: SomnusRequest) {
    const { reason } = validate(nodeActionBodySchema, body ?? {}, 'body');
    const nodeId = await this.nodeId(idOrName, request);
    const outcome = await this.bus.command(WakeNode, { nodeId, reason: this.reason('wake', request, reason) }, request, nodeId);
    return { nodeId, action: 'wake', ...(outcome.status === 'accepted' ? { commandId: outcome.commandId } : {}), status: 'accepted' };
  }

  @Post('sleep')
  @HttpCode(202)
  async sleep(@Param('idOrName') idOrName: string, @Body() body: unknown, @Req() request: SomnusRequest) {
    const { reason } = validate(nodeActionBodySchema, body ?? {}, 'body');
    const nodeId = await this.nodeId(idOrName, request);
    const outcome = await this.bus.command(DrainNode, { nodeId, reason: this.reason('sleep', request, reason), thenSleep: true }, request, nodeId);
    return { nodeId, action: 'sleep', ...(outcome.status === 'accepted' ? { commandId: outcome.commandId } : {}), status: 'accepted' };
  }

  @Post('maintenance')
  @HttpCode(200)
  async maintenance(@Param('idOrName') idOrName: string, @Body() body: unknown, @Req() request: SomnusRequest) {
    const { maintenance, reason } = validate(maintenanceBodySchema, body, 'body');
    const nodeId = await this.nodeId(idOrName, request);
    const outcome = await this.bus.command(SetMaintenance, { nodeId, maintenance, reason: this.reason(maintenance ? 'maintenance' : 'release', request, reason) }, request, nodeId);
    return outcome.status === 'done' ? outcome.result : { nodeId, status: 'accepted', commandId: outcome.commandId };
  }
}
