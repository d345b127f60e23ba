import type { TrackedCall } from './tracked-call';

interface Conversation {
  id: string;
  /** When the leg that gave the conversation its id was created on Asterisk. */
  firstCreatedMs: number;
  legs: Set<TrackedCall>;
}

/**
 * Gives the legs of one customer conversation one id: the callId of its earliest leg. VICIdial
 * keeps the customer's channel through a transfer or park on its own server, but a transfer to
 * an in-group on another server arrives there as a new channel (IAX2, carrying the same call
 * code), and a 3-way or consultative transfer adds one; all of them carry the lead in their call
 * code. So calls with the same lead id are legs of one conversation while one of them is live,
 * on any server this instance follows. Earliest by Asterisk's creation time, so an instance that
 * takes over and finds the legs in another order still names the conversation the same.
 */
export class ConversationLinker {
  private readonly byLead = new Map<number, Conversation>();

  /**
   * Places the call in the conversation of its lead (its own when it has none, or is the first);
   * returns the calls whose conversationId changed, the call itself included when it did.
   */
  link(call: TrackedCall): TrackedCall[] {
    const leadId = call.vicidial?.leadId || undefined;
    if (leadId === call.conversationLead) return [];
    this.leave(call);
    const before = call.conversationId;
    call.conversationId = call.callId;
    call.conversationLead = leadId;
    if (leadId === undefined) return before === call.conversationId ? [] : [call];
    const conversation = this.byLead.get(leadId);
    if (!conversation) {
      this.byLead.set(leadId, {
        id: call.callId,
        firstCreatedMs: call.createdAtMs,
        legs: new Set([call]),
      });
      return before === call.conversationId ? [] : [call];
    }
    conversation.legs.add(call);
    const changed: TrackedCall[] = [];
    if (
      call.createdAtMs < conversation.firstCreatedMs ||
      (call.createdAtMs === conversation.firstCreatedMs && call.callId < conversation.id)
    ) {
      conversation.id = call.callId;
      conversation.firstCreatedMs = call.createdAtMs;
    }
    for (const leg of conversation.legs) {
      const previous = leg === call ? before : leg.conversationId;
      leg.conversationId = conversation.id;
      if (previous !== conversation.id) changed.push(leg);
    }
    return changed;
  }

  /** The call ended or left its lead: the others keep the conversation's id. */
  leave(call: TrackedCall): void {
    const leadId = call.conversationLead;
    if (leadId === undefined) return;
    const conversation = this.byLead.get(leadId);
    conversation?.legs.delete(call);
    if (conversation?.legs.size === 0) this.byLead.delete(leadId);
    call.conversationLead = undefined;
  }
}
