/** Q.850 causes as Asterisk names them in `cause_txt`. */
export const HANGUP_CAUSES: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  27: 'Destination out of order',
  31: 'Normal, unspecified',
  32: 'Circuit/channel congestion',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return HANGUP_CAUSES[cause] ?? 'Unknown';
}
