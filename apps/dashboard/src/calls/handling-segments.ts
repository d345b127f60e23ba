import type { CallEventView } from '@asb/contracts';

/** Who had the call from when: one entry per agent or in-group it was with. */
export interface HandlingSegment {
  at: string;
  agent: string | null;
  agentName: string | null;
  inGroup: string | null;
  campaign: string | null;
}

interface VicidialPayload {
  agent?: string;
  agentName?: string;
  inGroup?: string;
  campaign?: string;
}

/**
 * The agents and in-groups a call went through, read from its events in order: a transfer or
 * a call sent on to an in-group keeps the customer's channel, so it shows as the same call whose
 * VICIdial details change. A new segment starts when the agent or the in-group changes; names
 * learnt later fill in the segment they belong to.
 */
export function handlingSegments(events: CallEventView[]): HandlingSegment[] {
  const segments: HandlingSegment[] = [];
  for (const event of events) {
    const vicidial = event.payload['vicidial'] as VicidialPayload | undefined;
    if (!vicidial || (!vicidial.agent && !vicidial.inGroup)) continue;
    const last = segments.at(-1);
    const agent = vicidial.agent ?? last?.agent ?? null;
    const inGroup = vicidial.inGroup ?? last?.inGroup ?? null;
    if (last && last.agent === agent && last.inGroup === inGroup) {
      last.agentName = vicidial.agentName ?? last.agentName;
      last.campaign = vicidial.campaign ?? last.campaign;
      continue;
    }
    segments.push({
      at: event.occurredAt,
      agent,
      agentName: vicidial.agentName ?? (last?.agent === agent ? last.agentName : null),
      inGroup,
      campaign: vicidial.campaign ?? last?.campaign ?? null,
    });
  }
  return segments;
}
