import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CommandOutcome, createEnvelope, MessageDefinition, Payload, ReplyOf } from '@somnus/contracts';
import { CommandDefinition, MESSAGE_BUS, MessageBus, QueryDefinition, RequestTimeoutError } from '@somnus/bus';
import { SERVICE_INFRASTRUCTURE, ServiceInfrastructure } from '@somnus/runtime';
import { ApiError } from './api-error';
import { causeOf, SomnusRequest } from './request-context';

const QUERY_TIMEOUT_MS = 5_000;

const FAILURE_STATUS: Record<string, HttpStatus> = {
  invalid: HttpStatus.BAD_REQUEST,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  refused: HttpStatus.CONFLICT,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/** The outcome of a command as the HTTP API reports it. */
export type CommandResponse<T> = { status: 'done'; result: T } | { status: 'accepted'; commandId: string };

/** The gateway's side of the bus: HTTP requests become commands and queries with the caller as their cause. */
@Injectable()
export class BusClient {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SERVICE_INFRASTRUCTURE) private readonly infrastructure: ServiceInfrastructure,
  ) {}

  private envelope<M extends MessageDefinition>(definition: M, data: Payload<M>, request: SomnusRequest, subject?: string) {
    return createEnvelope(definition.type, data, { source: 'somnus/api-gateway', subject, cause: causeOf(request), time: new Date() });
  }

  /**
   * Sends a command and waits for its owner's outcome. A refusal becomes a 4xx with the owner's reason;
   * no answer in time means the command is stored and will run: 202 with its id.
   */
  async command<M extends CommandDefinition, T>(definition: M, data: Payload<M>, request: SomnusRequest, subject?: string): Promise<CommandResponse<T>> {
    const outcome = (await this.bus.execute(definition, this.envelope(definition, data, request, subject), this.infrastructure.config.SOMNUS_COMMAND_TIMEOUT_MS)) as
      | CommandOutcome<T>
      | { ok: 'accepted'; commandId: string };
    if (outcome.ok === 'accepted') return { status: 'accepted', commandId: outcome.commandId };
    if (outcome.ok === true) return { status: 'done', result: outcome.result };
    throw new ApiError(FAILURE_STATUS[outcome.code] ?? HttpStatus.CONFLICT, outcome.code, outcome.reason);
  }

  /** Asks a query whose answer only enriches a response: undefined when its owner does not answer in time. */
  async optionalQuery<M extends QueryDefinition>(definition: M, data: Payload<M>, request: SomnusRequest, timeoutMs = 1_000): Promise<ReplyOf<M> | undefined> {
    try {
      return await this.bus.request(definition, this.envelope(definition, data, request), timeoutMs);
    } catch (error) {
      if (error instanceof RequestTimeoutError) return undefined;
      throw error;
    }
  }

  async query<M extends QueryDefinition>(definition: M, data: Payload<M>, request: SomnusRequest): Promise<ReplyOf<M>> {
    try {
      return await this.bus.request(definition, this.envelope(definition, data, request), QUERY_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof RequestTimeoutError) {
        throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', `the ${definition.owner} service did not answer within ${QUERY_TIMEOUT_MS / 1000} s; try again shortly`);
      }
      throw error;
    }
  }
}
