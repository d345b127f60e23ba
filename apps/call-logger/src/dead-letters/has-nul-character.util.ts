/**
 * Whether any string in a decoded JSON value (keys included) holds U+0000. JSON may carry it
 * escaped, but PostgreSQL's text and jsonb cannot store it, so such a message is unstorable.
 */
export function hasNulCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNulCharacter);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(
      ([key, entry]) => key.includes('\u0000') || hasNulCharacter(entry),
    );
  }
  return false;
}
