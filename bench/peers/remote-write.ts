import protobuf from 'protobufjs'
import snappy from 'snappyjs'

// Prometheus remote-write 1.0 payloads: a WriteRequest protobuf (prompb/remote.proto and types.proto, only the
// fields we send), snappy block-compressed (snappyjs), as Prometheus's own remote-write client sends them.

export interface RemoteSeries {
  /** Label pairs including __name__; sorted by name before encoding, as remote-write requires. */
  labels: Record<string, string>
  samples: Array<{ value: number; timestamp: number }>
}

const Label = new protobuf.Type('Label').add(new protobuf.Field('name', 1, 'string')).add(new protobuf.Field('value', 2, 'string'))
const Sample = new protobuf.Type('Sample').add(new protobuf.Field('value', 1, 'double')).add(new protobuf.Field('timestamp', 2, 'int64'))
const TimeSeries = new protobuf.Type('TimeSeries')
  .add(new protobuf.Field('labels', 1, 'Label', 'repeated'))
  .add(new protobuf.Field('samples', 2, 'Sample', 'repeated'))
const WriteRequest = new protobuf.Type('WriteRequest').add(new protobuf.Field('timeseries', 1, 'TimeSeries', 'repeated'))
new protobuf.Root().define('prometheus').add(Label).add(Sample).add(TimeSeries).add(WriteRequest)

/** The body of one POST /api/v1/write, with its headers. */
export function encodeWriteRequest(series: RemoteSeries[]): Uint8Array<ArrayBuffer> {
  const timeseries = series.map((s) => ({
    labels: Object.keys(s.labels).sort().map((name) => ({ name, value: s.labels[name] })),
    samples: s.samples,
  }))
  const encoded = WriteRequest.encode({ timeseries }).finish()
  return new Uint8Array(snappy.compress(encoded))
}

export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
}
