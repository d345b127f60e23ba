import { z } from 'zod';

/**
 * Field builders for environment variables. Every value arrives as a string (or, from the
 * optional config file, as YAML/JSON), so each builder accepts both and says in its error
 * what it expected.
 */

const trimmed = (value: unknown) => (typeof value === 'string' ? value.trim() : value);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const prepare = (value: unknown) => emptyAsUndefined(trimmed(value));

export function envString() {
  return z.preprocess(prepare, z.string({ error: 'is required' }).min(1, 'must not be empty'));
}

export function envInteger(options: { min?: number; max?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  return z.preprocess(
    (value) => {
      const v = prepare(value);
      return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    },
    z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? 'is required'
            : `must be an integer, got ${JSON.stringify(issue.input)}`,
      })
      .int(`must be an integer`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
}

export function envPort() {
  return envInteger({ min: 0, max: 65535 });
}

export function envBoolean() {
  return z.preprocess(
    (value) => {
      const v = prepare(value);
      if (typeof v !== 'string') return v;
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      return v;
    },
    z.boolean({
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : `must be true or false, got ${JSON.stringify(issue.input)}`,
    }),
  );
}

export function envEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    prepare,
    z.enum(values, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : `must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}`,
    }),
  );
}

/** A comma-separated list (or a YAML/JSON array) of items that each satisfy `item`. */
export function envList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => {
      const v = prepare(value);
      if (typeof v !== 'string') return v;
      return v
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
    },
    z.array(item, { error: 'is required' }).min(1, 'must list at least one value'),
  );
}

/** A URL with one of the given schemes, e.g. `nats:` or `postgres:`. */
export function envUrl(schemes: readonly string[]) {
  return z.preprocess(
    prepare,
    z.string({ error: 'is required' }).refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      `must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL`,
    ),
  );
}

/** A structured value: YAML/JSON from the config file, or a JSON string in the environment. */
export function envJson<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    const v = prepare(value);
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be valid JSON: ${(error as Error).message}` });
      return z.NEVER;
    }
  }, schema);
}

/** What a setting needs outside development: a value, or in development this default. */
export interface ProductionRequirement {
  developmentDefault?: unknown;
}

export const productionRequirements = z.registry<ProductionRequirement>();

/**
 * A setting the service cannot do its job without: in production (RUN_MODE's default) a missing
 * value stops the service, naming it; in development it falls back to `developmentDefault`, a
 * value fit for one machine (or stays unset when there is none, and the service fails closed).
 */
export function requiredInProduction<T extends z.ZodType>(
  field: T,
  developmentDefault?: z.input<T>,
): T {
  productionRequirements.add(field as z.ZodType, { developmentDefault });
  return field;
}
