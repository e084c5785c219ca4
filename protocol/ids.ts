// DESIGN §3: device ids are [A-Za-z0-9._-]{1,64}; MQTT wildcards and prototype names never pass.
const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

export function isValidDeviceId(id: unknown): id is string {
  return typeof id === 'string' && DEVICE_ID.test(id) && !FORBIDDEN.has(id)
}

export function assertDeviceId(id: unknown, what = 'device id'): string {
  if (!isValidDeviceId(id)) {
    throw new Error(`invalid ${what} ${JSON.stringify(id)}: must match [A-Za-z0-9._-]{1,64} and not be a reserved name`)
  }
  return id
}
