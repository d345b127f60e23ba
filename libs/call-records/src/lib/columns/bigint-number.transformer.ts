import type { ValueTransformer } from 'typeorm';

/**
 * pg returns `bigint` as a string because it may exceed 2^53. Our counters (packets, bytes,
 * lead ids) stay far below that, so readers get plain numbers.
 */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
