import { readFileSync } from 'node:fs';

/**
 * Every user a nats-server configuration names: the server refuses to start unless each one's
 * password variable is set, so the demo gives it one per user found here, never a list of its own.
 */
export function natsUsersOf(configPath) {
  return [...readFileSync(configPath, 'utf8').matchAll(/^\s*user: "([^"]+)"$/gm)].map(
    (match) => match[1],
  );
}

/** The environment variable the configuration reads a user's password from. */
export const natsPasswordVariable = (user) =>
  `${user.toUpperCase().replaceAll('-', '_')}_NATS_PASSWORD`;
