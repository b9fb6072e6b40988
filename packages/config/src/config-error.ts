const marker = Symbol.for('aiq.error.config');

/** A bad or missing environment variable. Its message is one line and never holds a value. */
export class ConfigError extends Error {
  private readonly [marker] = true;
  override readonly name = 'ConfigError';

  static isInstance(error: unknown): error is ConfigError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
