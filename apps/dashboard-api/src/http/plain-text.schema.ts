import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Free text a client filters by: bounded, and without control characters, which no VICIdial
 * name holds and PostgreSQL refuses outright (NUL) instead of matching nothing.
 */
export function plainText(maxLength: number) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');
}
