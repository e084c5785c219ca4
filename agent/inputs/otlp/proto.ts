// The OTLP protobuf messages come from the protobufjs static module that @opentelemetry/otlp-transformer ships
// (pinned to 0.214.0 in package.json: later versions replaced it with hand-written serializers and dropped the
// log and trace request types). Its declaration types the root as a bare protobufjs Root, so the few calls used
// here are typed below.

export type OtlpSignal = 'traces' | 'metrics' | 'logs'

interface MessageType {
  decode(bytes: Uint8Array): object
  toObject(message: object, options: Record<string, unknown>): Record<string, unknown>
  fromObject(object: Record<string, unknown>): object
  encode(message: object): { finish(): Uint8Array }
}

interface CollectorPackage {
  v1: Record<string, MessageType>
}

type ProtoRoot = { opentelemetry: { proto: { collector: Record<string, CollectorPackage> } } }

// Loaded on the first protobuf request, not at start: protobufjs and the generated types cost a small device several
// MB it does not spend when only JSON (or nothing) arrives (docs/agent.md, footprint). A literal import() so the
// bundled build (dist/outpost-agent.mjs) carries it in a chunk of its own, read only then.
let root: ProtoRoot | undefined
let loading: Promise<void> | undefined

/** Loads the protobuf types once; call before any function below. */
export function loadProto(): Promise<void> {
  loading ??= import('@opentelemetry/otlp-transformer/build/src/generated/root.js').then((m) => {
    root = ((m as unknown as { default?: ProtoRoot }).default ?? m) as unknown as ProtoRoot
  })
  return loading
}

const MESSAGE_NAMES: Record<OtlpSignal, string> = { traces: 'Trace', metrics: 'Metrics', logs: 'Logs' }
/** The proto package under opentelemetry.proto.collector: `trace` is singular. */
const PACKAGES: Record<OtlpSignal, string> = { traces: 'trace', metrics: 'metrics', logs: 'logs' }

function messageType(signal: OtlpSignal, kind: 'Request' | 'Response'): MessageType {
  if (!root) throw new Error('OTLP protobuf types not loaded (loadProto)')
  return root.opentelemetry.proto.collector[PACKAGES[signal]].v1[`Export${MESSAGE_NAMES[signal]}Service${kind}`]
}

/**
 * Decodes an Export<Signal>ServiceRequest into the same plain shape as OTLP's JSON mapping: camelCase fields,
 * 64-bit integers as decimal strings, enums as numbers. Byte fields (ids, bytesValue) stay Uint8Array; the
 * converters accept them beside the JSON mapping's hex and base64 strings. Throws on bytes that are not the message.
 */
export function decodeProtobufRequest(signal: OtlpSignal, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(signal, 'Request')
  return type.toObject(type.decode(bytes), { longs: String, enums: Number, defaults: false, arrays: false })
}

/** An Export<Signal>ServiceResponse, protobuf-encoded; `partialSuccess` as in the JSON mapping. */
export function encodeProtobufResponse(signal: OtlpSignal, response: Record<string, unknown>): Uint8Array {
  const type = messageType(signal, 'Response')
  return type.encode(type.fromObject(response)).finish()
}

/** Encodes a request (tests build protobuf payloads with it, as the SDK's proto exporters would send them). */
export function encodeProtobufRequest(signal: OtlpSignal, request: Record<string, unknown>): Uint8Array {
  const type = messageType(signal, 'Request')
  return type.encode(type.fromObject(request)).finish()
}
