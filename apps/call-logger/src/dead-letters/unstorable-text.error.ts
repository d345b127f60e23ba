/** A contract-valid call event that PostgreSQL cannot store: a string in it holds U+0000. */
export class UnstorableText extends Error {
  override readonly name = 'UnstorableText';
  /** The dead letter's reason and the `reason` label of the refusal metric. */
  readonly reason = 'unstorable_text';

  constructor() {
    super('unstorable_text: a string holds U+0000, which PostgreSQL text cannot store');
  }
}
