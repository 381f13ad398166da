import { z } from 'zod';
import { badRequest } from './api-error';

/** Parses a request body or query with a contract schema; a 400 names every field that is wrong. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}`);
  throw badRequest(`the ${what} is not valid: ${details.join('; ')}`, details);
}
