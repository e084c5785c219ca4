import { describe, expect, it } from 'vitest'
import { assertDeviceId, isValidDeviceId } from '../../protocol/ids.js'
import { NAMESPACE, parseDeviceTopic, topics } from '../../protocol/topics.js'

describe('device ids', () => {
  it('accepts letters, digits, dot, underscore and dash up to 64 characters', () => {
    for (const id of ['a', 'pump-7', 'edge_01.site-b', 'A'.repeat(64), '...', '-_-']) {
      expect(isValidDeviceId(id)).toBe(true)
    }
  })

  it('refuses MQTT wildcards, separators, $ and prototype names', () => {
    for (const id of ['a+b', '+', '#', 'a#', 'a/b', '/', '$SYS', 'a$', '__proto__', 'constructor', 'prototype']) {
      expect(isValidDeviceId(id), id).toBe(false)
    }
  })

  it('refuses empty, 65 characters, whitespace, unicode and non-strings', () => {
    for (const id of ['', 'A'.repeat(65), 'a b', 'tab\t', 'café', 'a\u0000', 42, null, undefined, {}]) {
      expect(isValidDeviceId(id), String(id)).toBe(false)
    }
  })

  it('assertDeviceId names what was wrong', () => {
    expect(assertDeviceId('ok-1')).toBe('ok-1')
    expect(() => assertDeviceId('a/b')).toThrow(/invalid device id "a\/b"/)
    expect(() => assertDeviceId('x#', 'rule id')).toThrow(/invalid rule id/)
  })
})

describe('topic builders', () => {
  it('build every device topic under the namespace', () => {
    expect(NAMESPACE).toBe('outpost/v1')
    expect(topics.telemetry('dev-1')).toBe('outpost/v1/dev-1/telemetry')
    expect(topics.ack('dev-1')).toBe('outpost/v1/dev-1/ack')
    expect(topics.status('dev-1')).toBe('outpost/v1/dev-1/status')
    expect(topics.cmd('dev-1')).toBe('outpost/v1/dev-1/cmd')
    expect(topics.cmdReply('dev-1')).toBe('outpost/v1/dev-1/cmd/reply')
    expect(topics.alert('high', 'dev-1', 'cpu-hot')).toBe('outpost/v1/alerts/high/dev-1/cpu-hot')
    expect(topics.allTelemetry).toBe('outpost/v1/+/telemetry')
    expect(topics.allStatus).toBe('outpost/v1/+/status')
  })

  it('refuse ids that would change the topic structure', () => {
    for (const bad of ['+', '#', 'a/b', '$SYS', '__proto__', 'constructor', 'x'.repeat(65), '']) {
      expect(() => topics.telemetry(bad), bad).toThrow(/invalid device id/)
      expect(() => topics.ack(bad), bad).toThrow(/invalid device id/)
    }
    expect(() => topics.alert('high', 'dev', 'a/b')).toThrow(/invalid rule id/)
  })
})

describe('parseDeviceTopic', () => {
  it('parses every device topic kind', () => {
    expect(parseDeviceTopic('outpost/v1/dev-1/telemetry')).toEqual({ device: 'dev-1', kind: 'telemetry' })
    expect(parseDeviceTopic('outpost/v1/dev-1/ack')).toEqual({ device: 'dev-1', kind: 'ack' })
    expect(parseDeviceTopic('outpost/v1/dev-1/status')).toEqual({ device: 'dev-1', kind: 'status' })
    expect(parseDeviceTopic('outpost/v1/dev-1/cmd')).toEqual({ device: 'dev-1', kind: 'cmd' })
    expect(parseDeviceTopic('outpost/v1/dev-1/cmd/reply')).toEqual({ device: 'dev-1', kind: 'cmd/reply' })
  })

  it('round-trips what the builders make', () => {
    const id = 'a.b_c-' + 'd'.repeat(58)
    expect(parseDeviceTopic(topics.cmdReply(id))).toEqual({ device: id, kind: 'cmd/reply' })
  })

  it('refuses other namespaces, unknown kinds, alert topics and bad ids', () => {
    for (const topic of [
      'outpost/v2/dev/telemetry',
      'other/v1/dev/telemetry',
      'outpost/v1/dev',
      'outpost/v1//telemetry',
      'outpost/v1/dev/telemetry/extra',
      'outpost/v1/dev/metrics',
      'outpost/v1/dev/cmd/',
      'outpost/v1/alerts/high/dev/rule',
      'outpost/v1/alerts/telemetry',
      'outpost/v1/+/telemetry',
      'outpost/v1/#',
      'outpost/v1/$SYS/telemetry',
      'outpost/v1/__proto__/telemetry',
      'outpost/v1/constructor/ack',
      `outpost/v1/${'x'.repeat(65)}/telemetry`,
      '',
    ]) {
      expect(parseDeviceTopic(topic), topic).toBeUndefined()
    }
  })
})
