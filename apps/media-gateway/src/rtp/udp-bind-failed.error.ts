/** A UDP port could not be bound (taken by another process, or an address not on this host). */
export class UdpBindFailed extends Error {
  override readonly name = 'UdpBindFailed';

  constructor(
    readonly port: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`cannot bind UDP port ${port}: ${detail}`);
  }
}
