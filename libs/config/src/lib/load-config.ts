import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, ConfigProblem } from './config-error';
import { productionRequirements } from './env-fields';

/** Name of the variable that points at an optional YAML or JSON file of settings. */
export const CONFIG_FILE_VARIABLE = 'CONFIG_FILE';

/** Name of the variable that relaxes the settings required in production (serviceEnv's RUN_MODE). */
export const RUN_MODE_VARIABLE = 'RUN_MODE';

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        variable: CONFIG_FILE_VARIABLE,
        message: `cannot read ${path}: ${(error as Error).message}`,
      },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError([
      {
        variable: CONFIG_FILE_VARIABLE,
        message: `${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      },
    ]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([
      { variable: CONFIG_FILE_VARIABLE, message: `${path} must hold a map of VARIABLE: value` },
    ]);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Loads a service's settings. `shape` maps each environment variable name to its field; the
 * optional CONFIG_FILE supplies values under the same names, and the environment wins over it.
 * Every invalid or missing variable is reported at once, by name.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  options: LoadConfigOptions = {},
): z.output<z.ZodObject<Shape>> {
  const env = options.env ?? process.env;
  const filePath = env[CONFIG_FILE_VARIABLE]?.trim();
  const fromFile = filePath ? readConfigFile(filePath) : {};

  const unknownFileKeys = Object.keys(fromFile).filter((key) => !(key in shape));
  if (unknownFileKeys.length > 0) {
    throw new ConfigError(
      unknownFileKeys.map((variable) => ({
        variable,
        message: `is not a setting of this service (in ${filePath})`,
      })),
    );
  }

  const input: Record<string, unknown> = {};
  for (const variable of Object.keys(shape)) {
    input[variable] = env[variable] ?? fromFile[variable];
  }

  const missing = applyProductionRequirements(shape, input);
  const result = z.object(shape).safeParse(input);
  const problems: ConfigProblem[] = [...missing];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = issue.path.map(String).join('.') || '(config)';
      if (!missing.some((problem) => problem.variable === variable)) {
        problems.push({ variable, message: issue.message });
      }
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

const isUnset = (value: unknown) =>
  value === undefined || (typeof value === 'string' && value.trim() === '');

/**
 * Settings required in production: missing ones are problems, unless RUN_MODE is development,
 * where they take their development default (filled into `input`).
 */
function applyProductionRequirements(
  shape: z.ZodRawShape,
  input: Record<string, unknown>,
): ConfigProblem[] {
  const mode = input[RUN_MODE_VARIABLE];
  const development = typeof mode === 'string' && mode.trim().toLowerCase() === 'development';
  const problems: ConfigProblem[] = [];
  for (const [variable, field] of Object.entries(shape)) {
    const requirement = productionRequirements.get(field);
    if (!requirement || !isUnset(input[variable])) continue;
    if (development) {
      input[variable] = requirement.developmentDefault;
      continue;
    }
    problems.push({
      variable,
      message:
        requirement.developmentDefault === undefined
          ? 'is required (RUN_MODE=development runs without it)'
          : `is required (RUN_MODE=development uses ${JSON.stringify(requirement.developmentDefault)})`,
    });
  }
  return problems;
}

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|_KEY|CREDENTIALS|API_KEY)$/i;

/** A copy of a config fit for logging: secrets replaced, nested values kept. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const redact = (key: string, value: unknown): unknown => {
    if (SECRET_NAME.test(key) && value !== undefined) return '[redacted]';
    if (Array.isArray(value)) return value.map((item) => redact('', item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(k, v)]));
    }
    if (typeof value === 'string' && /:\/\/[^/@\s]+:[^/@\s]+@/.test(value)) {
      return value.replace(/(:\/\/[^/:@\s]+):[^/@\s]+@/, '$1:[redacted]@');
    }
    return value;
  };
  return redact('', config) as Record<string, unknown>;
}

/** The typed config that `loadConfig(shape)` returns. */
export type EnvOf<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;
