/** snappyjs ships no types; the part of its API the receivers use. */
declare module 'snappyjs' {
  /** Throws when the block is invalid or declares more than `maxLength` bytes. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array
  export function compress(uncompressed: Uint8Array): Uint8Array
  const snappy: { uncompress: typeof uncompress; compress: typeof compress }
  export default snappy
}
