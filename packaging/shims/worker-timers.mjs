// Bundle-time stand-in for the `worker-timers` package (packaging/bundle-agent.mjs): mqtt.js requires it at load but
// uses it only in browsers and web workers; under Node it runs on Node's own timers, which this hands over.
export const setInterval = globalThis.setInterval
export const clearInterval = globalThis.clearInterval
export const setTimeout = globalThis.setTimeout
export const clearTimeout = globalThis.clearTimeout
