import { ConversationLinker } from './conversation-linker';
import type { TrackedCall } from './tracked-call';

const leg = (callId: string, createdAtMs: number, leadId?: number) =>
  ({
    callId,
    conversationId: callId,
    createdAtMs,
    vicidial: leadId === undefined ? undefined : { callCode: 'x', leadId },
  }) as TrackedCall;

describe('ConversationLinker', () => {
  it("joins a transfer's leg on another server to the customer's call, by the lead", () => {
    const linker = new ConversationLinker();
    const customer = leg('pbx1-1796309201-20', 1000, 12345);
    const otherLead = leg('pbx1-1796309201-21', 1500, 777);
    const transferred = leg('pbx2-1796309260-3', 61_000, 12345);
    expect(linker.link(customer)).toEqual([]);
    expect(linker.link(otherLead)).toEqual([]);
    expect(linker.link(transferred)).toEqual([transferred]);
    expect(transferred.conversationId).toBe(customer.callId);
    expect(otherLead.conversationId).toBe(otherLead.callId);
  });

  it('names the conversation after its earliest leg whatever order the legs are found in', () => {
    const linker = new ConversationLinker();
    const later = leg('pbx2-1796309260-3', 61_000, 12345);
    const first = leg('pbx1-1796309201-20', 1000, 12345);
    linker.link(later);
    // An instance that took over found the later leg first: both change, and are said to.
    expect(linker.link(first).map((c) => c.callId)).toEqual([later.callId]);
    expect([first.conversationId, later.conversationId]).toEqual([first.callId, first.callId]);
  });

  it('keeps the id while any leg lives, and starts afresh once all have ended', () => {
    const linker = new ConversationLinker();
    const first = leg('pbx1-1796309201-20', 1000, 12345);
    const second = leg('pbx2-1796309260-3', 61_000, 12345);
    linker.link(first);
    linker.link(second);
    linker.leave(first);
    const third = leg('pbx1-1796309300-9', 90_000, 12345);
    linker.link(third);
    expect(third.conversationId).toBe(first.callId);
    linker.leave(second);
    linker.leave(third);
    const tomorrow = leg('pbx1-1796400000-1', 9_000_000, 12345);
    linker.link(tomorrow);
    expect(tomorrow.conversationId).toBe(tomorrow.callId);
  });

  it('leaves a call without a lead on its own, and moves a call whose lead changed', () => {
    const linker = new ConversationLinker();
    const anonymous = leg('pbx1-1796309201-30', 1000);
    expect(linker.link(anonymous)).toEqual([]);
    expect(anonymous.conversationId).toBe(anonymous.callId);
    const a = leg('pbx1-1796309201-31', 1000, 5);
    const b = leg('pbx1-1796309201-32', 2000, 6);
    linker.link(a);
    linker.link(b);
    b.vicidial = { callCode: 'y', leadId: 5 };
    expect(linker.link(b)).toEqual([b]);
    expect(b.conversationId).toBe(a.callId);
    expect(linker.link(b)).toEqual([]);
  });
});
