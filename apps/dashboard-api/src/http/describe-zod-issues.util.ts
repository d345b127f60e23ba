import type { z } from 'zod';

/** One line per problem, naming the parameter, so a 400 tells the caller exactly what to fix. */
export function describeZodIssues(error: z.ZodError, root: string): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || root}: ${issue.message}`);
}
