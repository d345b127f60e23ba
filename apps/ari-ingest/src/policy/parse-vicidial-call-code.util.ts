import type { VicidialMetadata } from '@asb/contracts';

export type CallCodeLayout = 'legacy' | 'current';

/**
 * Two-letter call-code prefixes VICIdial uses: 3-way (DC), parks (LP, FP, LX, FX), inbound agent
 * alerts (VH, VS), recording hangup (RH), transfers (CX, XL, XB) and a supervisor's monitor,
 * barge and whisper (BM, BB, BW). What follows them differs by kind (an epoch, a padded user or
 * lead, letters), but the code is always 20 characters.
 */
const TWO_LETTER_CALL_CODE = /^(DC|LP|FP|LX|FX|VH|VS|RH|CX|XL|XB|BM|BB|BW)[A-Za-z0-9]{18}$/;

/**
 * VICIdial's 20-character caller-id name: a type letter, the date-time digits and the zero-padded
 * lead id. Older releases write mmddhhmmss + 9 lead digits, newer ones mddhhmmss + 10. Returns
 * undefined for a name that is not a call code (most channels carry an ordinary name); the other
 * layout is tried when the configured one does not fit, since servers of a call center can differ.
 */
export function parseVicidialCallCode(
  name: string | undefined,
  layout: CallCodeLayout,
): VicidialMetadata | undefined {
  if (!name) return undefined;
  const twoLetter = TWO_LETTER_CALL_CODE.exec(name);
  if (twoLetter) {
    // A 3-way call's code carries the lead: DC, 6 epoch digits, W, the lead in 10 digits, W.
    const threeWay = /^DC[0-9]{6}W([0-9]{10})W$/.exec(name);
    return threeWay
      ? { callCode: name, callType: 'DC', leadId: Number(threeWay[1]) }
      : { callCode: name, callType: twoLetter[1] };
  }
  if (!/^[A-Z][0-9]{19}$/.test(name)) return undefined;
  const order: CallCodeLayout[] =
    layout === 'legacy' ? ['legacy', 'current'] : ['current', 'legacy'];
  for (const candidate of order) {
    const timeDigits = candidate === 'legacy' ? 10 : 9;
    const codeTime = name.slice(1, 1 + timeDigits);
    if (!plausibleTime(codeTime, candidate)) continue;
    return {
      callCode: name,
      callType: name[0],
      codeTime,
      leadId: Number(name.slice(1 + timeDigits)),
    };
  }
  return { callCode: name, callType: name[0] };
}

function plausibleTime(digits: string, layout: CallCodeLayout): boolean {
  const monthDigits = layout === 'legacy' ? 2 : 1;
  const month = Number(digits.slice(0, monthDigits));
  const [day, hour, minute, second] = [0, 2, 4, 6].map((offset) =>
    Number(digits.slice(monthDigits + offset, monthDigits + offset + 2)),
  );
  const monthOk = layout === 'legacy' ? month >= 1 && month <= 12 : month >= 0 && month <= 9;
  return monthOk && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
}
