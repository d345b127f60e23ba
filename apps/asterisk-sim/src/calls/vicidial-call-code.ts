/**
 * VICIdial's 20-character caller-id name: a type letter, a date-time and the zero-padded lead
 * id. Older releases write mmddhhmmss + 9 digits of lead, newer ones mddhhmmss + 10 digits.
 */
export type CallCodeLayout = 'legacy' | 'current';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

export function vicidialCallCode(
  type: string,
  leadId: number,
  at: Date,
  layout: CallCodeLayout,
): string {
  const month = at.getMonth() + 1;
  const rest = `${pad(at.getDate(), 2)}${pad(at.getHours(), 2)}${pad(at.getMinutes(), 2)}${pad(at.getSeconds(), 2)}`;
  return layout === 'legacy'
    ? `${type}${pad(month, 2)}${rest}${pad(leadId, 9)}`
    : `${type}${month % 10}${rest}${pad(leadId, 10)}`;
}
