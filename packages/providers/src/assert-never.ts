/** Compile-time exhaustiveness check for `switch` statements (house style R9). */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}
