/** Every REST route of the dashboard lives under this prefix; a breaking change gets a new one. */
export const API_PREFIX = 'api/v1';
