/** Asterisk's timestamp format: milliseconds and a `+0000` offset, never `Z`. */
export function ariTimestamp(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}
