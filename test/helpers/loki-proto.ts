/**
 * Loki's push protobuf (pkg/push/push.proto) for tests, encoded with protobufjs: the format Promtail,
 * Grafana Alloy and the Grafana Agent send, snappy-compressed. google.protobuf.Timestamp is spelled out
 * (the same wire format).
 */
import protobuf from 'protobufjs'
import snappy from 'snappyjs'

const PushRequest = protobuf
  .parse(`
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter {
  Timestamp timestamp = 1; string line = 2;
  repeated LabelPairAdapter structuredMetadata = 3; repeated LabelPairAdapter parsed = 4;
}
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`)
  .root.lookupType('logproto.PushRequest')

/** A PushRequest, in the field names of push.proto, as protobuf bytes (not compressed). */
export function encodePush(msg: object): Uint8Array {
  return PushRequest.encode(PushRequest.fromObject(msg)).finish()
}

/** The same, snappy-compressed: a push body as the agents send it. */
export function snappyPush(msg: object): Buffer<ArrayBuffer> {
  return Buffer.from(snappy.compress(encodePush(msg)))
}

/** One stream of lines stamped now (a nanosecond apart), as a snappy push body. */
export function linesPush(labels: string, lines: string[]): Buffer<ArrayBuffer> {
  const now = Date.now()
  return snappyPush({
    streams: [
      {
        labels,
        entries: lines.map((line, i) => ({
          timestamp: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1_000_000 + i },
          line,
        })),
      },
    ],
  })
}
