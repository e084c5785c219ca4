// The protocol's public surface (DESIGN §1: no I/O; imported by agent and hub alike).
export * from './batch.js'
export * from './cbor-limits.js'
export * from './codec.js'
export * from './errors.js'
export * from './ids.js'
export * from './metrics-builder.js'
export * from './topics.js'
export * from './validate.js'
