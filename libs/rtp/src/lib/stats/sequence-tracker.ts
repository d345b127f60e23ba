/**
 * What one packet's sequence number means for the stream:
 * - `ok`: the next packet, or a later one after a gap (the gap counts as lost until filled);
 * - `reordered`: older than the newest packet but not seen before; it fills its gap;
 * - `duplicate`: seen already; not counted again;
 * - `bad`: far from the stream (a jump of MAX_DROPOUT or more, or older than MAX_MISORDER);
 *   not counted, and the caller should drop it;
 * - `restart`: follows a `bad` packet, so the sender restarted its numbering (a reinvite or a
 *   masquerade in Asterisk); counting resumes from here and the totals so far are kept.
 */
export type SequenceVerdict = 'ok' | 'reordered' | 'duplicate' | 'bad' | 'restart';

const SEQUENCE_MOD = 0x10000;
/** RFC 3550 A.1's limits: a jump this far ahead is a restart, not loss... */
const MAX_DROPOUT = 3000;
/** ...and a packet this far behind is stale, not reordered. */
const MAX_MISORDER = 100;
/** Power of two above MAX_MISORDER: remembers enough recent packets to spot duplicates. */
const HISTORY = 128;
/** Never equal to a 16-bit sequence number. */
const NO_BAD_SEQUENCE = SEQUENCE_MOD + 1;
const EMPTY_SLOT = -1;

/**
 * Counts expected, received and lost packets of one RTP stream across 16-bit wraparound,
 * following RFC 3550 appendix A.1 with two deliberate differences:
 * - no probation: the stream comes from an Asterisk channel we allocated, so its first packet is
 *   trusted rather than held back until a second one confirms the source;
 * - duplicates are recognised (within the misorder window) and not counted as received, so they
 *   cannot hide losses; A.1 counts them, which is why its cumulative loss can go negative.
 * Extended sequence numbers start one cycle up, so a packet from just before the first one
 * stays positive. Nothing is allocated after construction.
 */
export class SequenceTracker {
  private started = false;
  private maxSequence = 0;
  private cycles = 0;
  private baseExtended = 0;
  private badSequence = NO_BAD_SEQUENCE;
  private segmentReceived = 0;
  private priorExpected = 0;
  private priorReceived = 0;
  private duplicateCount = 0;
  private reorderedCount = 0;
  private badCount = 0;
  private restartCount = 0;
  /** Extended sequence number last received in each slot (extended & (HISTORY - 1)). */
  private readonly seen = new Float64Array(HISTORY).fill(EMPTY_SLOT);

  update(sequence: number): SequenceVerdict {
    const seq = sequence & 0xffff;
    if (!this.started) {
      this.startSegment(seq);
      return 'ok';
    }
    const ahead = (seq - this.maxSequence) & 0xffff;
    if (ahead === 0) {
      this.duplicateCount += 1;
      return 'duplicate';
    }
    if (ahead < MAX_DROPOUT) {
      if (seq < this.maxSequence) this.cycles += SEQUENCE_MOD;
      this.maxSequence = seq;
      this.markReceived(this.cycles + seq);
      return 'ok';
    }
    if (ahead <= SEQUENCE_MOD - MAX_MISORDER) {
      if (seq === this.badSequence) {
        this.restart(seq);
        return 'restart';
      }
      this.badSequence = (seq + 1) & 0xffff;
      this.badCount += 1;
      return 'bad';
    }
    const extended = this.cycles + this.maxSequence - (SEQUENCE_MOD - ahead);
    if (this.seen[extended & (HISTORY - 1)] === extended) {
      this.duplicateCount += 1;
      return 'duplicate';
    }
    // A packet from before the first one we saw widens the stream backwards.
    if (extended < this.baseExtended) this.baseExtended = extended;
    this.reorderedCount += 1;
    this.markReceived(extended);
    return 'reordered';
  }

  /** Packets the sequence numbers say were sent, from the first received to the newest. */
  get expected(): number {
    if (!this.started) return 0;
    return this.priorExpected + this.cycles + this.maxSequence - this.baseExtended + 1;
  }

  /** Distinct packets received (duplicates and `bad` packets excluded). */
  get received(): number {
    return this.priorReceived + this.segmentReceived;
  }

  /** Expected but not received so far; a late packet lowers it again. Never negative. */
  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  get duplicates(): number {
    return this.duplicateCount;
  }

  get reordered(): number {
    return this.reorderedCount;
  }

  get bad(): number {
    return this.badCount;
  }

  get restarts(): number {
    return this.restartCount;
  }

  /** Another sender took the stream over: its numbering starts a new segment, like a restart. */
  followNewSender(sequence: number): void {
    if (this.started) this.restart(sequence & 0xffff);
    else this.startSegment(sequence & 0xffff);
  }

  private startSegment(seq: number): void {
    this.started = true;
    this.cycles = SEQUENCE_MOD;
    this.maxSequence = seq;
    this.baseExtended = SEQUENCE_MOD + seq;
    this.badSequence = NO_BAD_SEQUENCE;
    this.segmentReceived = 0;
    this.markReceived(this.baseExtended);
  }

  private restart(seq: number): void {
    this.priorExpected = this.expected;
    this.priorReceived = this.received;
    this.restartCount += 1;
    // The new numbering reuses extended numbers of the old one; stale slots would read as duplicates.
    this.seen.fill(EMPTY_SLOT);
    this.startSegment(seq);
  }

  private markReceived(extended: number): void {
    this.seen[extended & (HISTORY - 1)] = extended;
    this.segmentReceived += 1;
  }
}
