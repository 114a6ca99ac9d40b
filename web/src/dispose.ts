/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The `Symbol.asyncDispose` key of `close` on {@link Job} and {@link Persistency}.
 * @module
 */

/**
 * `Symbol.asyncDispose` where the runtime has it; elsewhere (Node 20) the registered symbol
 * that the usual polyfill `Symbol.asyncDispose ??= Symbol.for('Symbol.asyncDispose')` installs,
 * so `await using` works once that polyfill runs.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);
