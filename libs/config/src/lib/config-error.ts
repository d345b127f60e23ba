export interface ConfigProblem {
  /** The environment variable (or config file key) at fault. */
  variable: string;
  message: string;
}

/** Thrown at startup when configuration is missing or invalid; names every variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
  }
}
