/** RFC 9457 problem details, the body of every error answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `urn:bistand:problem:${code}`;
}

/** An error the HTTP layer raises itself, already knowing its status and code. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail);
  }
}
