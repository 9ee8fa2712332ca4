// Expected failures with a message that is safe to show a user.
export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'CONFLICT'
  | 'TOO_MANY_REQUESTS'
  | 'UNAVAILABLE';

export interface FieldProblem {
  path: (string | number)[];
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly fields: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  static badRequest(message: string, fields: FieldProblem[] = []) {
    return new AppError(
      'BAD_REQUEST',
      fields.length
        ? `${message}: ` +
            `${fields.map((f) => (f.path.length ? `${f.path.join('.')} ${f.message}` : f.message)).join('; ')}`
        : message,
      fields,
    );
  }
  static notFound(what: string) {
    return new AppError('NOT_FOUND', `${what} not found`);
  }
}
