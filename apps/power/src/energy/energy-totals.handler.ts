import { Injectable } from '@nestjs/common';
import { Envelope, GetEnergyTotals, Payload, ReplyOf } from '@somnus/contracts';
import { AnswerQuery } from '@somnus/bus';
import { EnergyLedger } from './energy-ledger';

/** Answers the energy query over the bus, so the gateway can show it in either mode. */
@Injectable()
export class EnergyTotalsHandler {
  constructor(private readonly ledger: EnergyLedger) {}

  @AnswerQuery(GetEnergyTotals)
  totals({ data }: Envelope<Payload<typeof GetEnergyTotals>>): Promise<ReplyOf<typeof GetEnergyTotals>> {
    return this.ledger.totals({ from: data.from ? new Date(data.from) : undefined, to: data.to ? new Date(data.to) : undefined, nodeId: data.nodeId });
  }
}
