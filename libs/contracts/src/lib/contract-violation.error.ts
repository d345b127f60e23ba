/** Why a message was refused at the edge; also the `reason` label of the metrics that count refusals. */
export type ContractViolationReason =
  | 'invalid_call_id'
  | 'invalid_subject'
  | 'oversized_payload'
  | 'malformed_json'
  | 'invalid_payload'
  | 'subject_payload_mismatch'
  | 'invalid_audio_frame';

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';

  constructor(
    readonly reason: ContractViolationReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}
