import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import type { Codec, CodecExtension } from './codec.js';
import { errorFromWire, errorToWire } from '../error-wire.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Ext 1: a bigint of any size, as its decimal digits in ASCII. */
const bigintExtension: CodecExtension<Uint8Array> = {
  type: 1,
  encode: (value) => (typeof value === 'bigint' ? textEncoder.encode(value.toString()) : null),
  decode: (data) => {
    const text = textDecoder.decode(data);
    if (!/^-?\d{1,4096}$/.test(text)) throw new RangeError('malformed bigint');
    return BigInt(text);
  },
};

export interface MsgpackOptions {
  /** Extension types beyond the built-in ones (1 bigint, 2 error); types 0–31 are saltline's. */
  readonly extensions?: readonly CodecExtension<Uint8Array>[];
  /** Refuses to decode longer inputs; also bounds every array, map, string and binary. Default 32 MiB. */
  readonly maxMessageSize?: number;
}

/** The codec for byte transports: one reused encoder, binary as msgpack bin, never base64. */
export function msgpackCodec(options: MsgpackOptions = {}): Codec {
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const extensionCodec = new ExtensionCodec();
  const register = (ext: CodecExtension<Uint8Array>) => extensionCodec.register(ext);
  register(bigintExtension);
  /** Ext 2: an Error anywhere inside a value, as the msgpack of its wire form. */
  register({
    type: 2,
    encode: (value) => (value instanceof Error ? encoder.encode(errorToWire(value, false)) : null),
    decode: (data) => errorFromWire(decoder.decode(data)),
  });
  for (const ext of options.extensions ?? []) register(ext);
  const encoder = new Encoder({ extensionCodec, ignoreUndefined: false });
  const decoder = new Decoder({
    extensionCodec,
    maxStrLength: maxMessageSize,
    maxBinLength: maxMessageSize,
    maxArrayLength: maxMessageSize,
    maxMapLength: maxMessageSize,
    maxExtLength: maxMessageSize,
  });
  return {
    name: 'msgpack',
    kind: 'bytes',
    encode: (messages) => encoder.encode(messages),
    decode: (data) => {
      if (!(data instanceof Uint8Array || data instanceof ArrayBuffer)) throw new TypeError('expected bytes');
      if (data.byteLength > maxMessageSize) throw new RangeError('message larger than maxMessageSize');
      return decoder.decode(data);
    },
  };
}
