// The Emscripten module factory (build/wasm/dist/sds_core.mjs), imported by the job worker
// through the path it has in the built package (build/web/ → ../wasm/dist/). Its own
// declarations are not used: core-module.ts states the part of the module the worker relies on.
declare module '*/wasm/dist/sds_core.mjs' {
  const createSdsCore: (moduleArg?: object) => Promise<unknown>;
  export default createSdsCore;
}
