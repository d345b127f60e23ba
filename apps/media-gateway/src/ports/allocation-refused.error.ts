export const ALLOCATION_REFUSED_REASONS = ['pool_exhausted', 'shutting_down'] as const;
/** Why an allocation could not be made; the `reason` label of media_gateway_allocations_refused_total. */
export type AllocationRefusedReason = (typeof ALLOCATION_REFUSED_REASONS)[number];

/** An allocation this gateway cannot make now; the caller may retry, here or on another gateway. */
export class AllocationRefused extends Error {
  override readonly name = 'AllocationRefused';

  constructor(
    readonly reason: AllocationRefusedReason,
    detail: string,
  ) {
    super(detail);
  }
}
