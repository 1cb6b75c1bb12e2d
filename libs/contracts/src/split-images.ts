/**
 * The pixels of a split for image-space mask nets, read batch by batch in the order the trainer asks for.
 *
 * The trainer never holds a split's pixels: each epoch it asks for its shuffled row order and consumes one batch per
 * step, so a source that decodes from disk with a bounded read-ahead (the worker's) keeps memory flat whatever the
 * dataset size. Small splits can live in memory instead (`inMemoryImages`); both give the same numbers.
 */
export interface SplitImages {
  /** Images stored. */
  readonly n: number;
  /** Side of every stored image in pixels (resized to the config's imageSize on the way into the network). */
  readonly size: number;
  /**
   * The pixels of `rows` (indices into this source), in that order: each value holds the next
   * min(batchSize, remaining) images as size × size × 3 RGB bytes, owned by the consumer. A consumer that stops
   * early calls `return()` so read-ahead stops.
   */
  batches(rows: Int32Array, batchSize: number): AsyncIterator<Uint8Array, undefined>;
}
