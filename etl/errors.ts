/** An input the ETL refuses as a whole (unreadable file, unknown CRS, …): exit non-zero, nothing stored. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
