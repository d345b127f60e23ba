/** Version token carried in every subject (`call.v1.…`). A breaking change to a payload gets a new token. */
export const CONTRACTS_VERSION = 'v1';

/** Schema revision carried in every JSON payload; additive changes bump it within a subject version. */
export const SCHEMA_VERSION = 1;
