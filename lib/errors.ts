/** The library's one error class. Errors that are not plain argument errors (TypeError /
 * RangeError) are SsmPoisonError with a stable `code`. */
export class SsmPoisonError extends Error {
  readonly code: string;

  constructor(message: string, code = 'ERR_SSM') {
    super(message);
    this.name = 'SsmPoisonError';
    this.code = code;
  }
}
