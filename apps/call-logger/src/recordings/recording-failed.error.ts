/** Why a recording could not be completed; also the `reason` label of its metric. */
export type RecordingFailureReason = 'write_failed' | 'finish_failed';

export class RecordingFailed extends Error {
  override readonly name = 'RecordingFailed';

  constructor(
    readonly reason: RecordingFailureReason,
    readonly path: string,
    cause: unknown,
  ) {
    super(`${reason}: ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
