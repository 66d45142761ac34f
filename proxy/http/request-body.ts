// The downstream request body, streamed to the current upstream try while a copy is kept (up
// to `limit` bytes) so that a retry or a mirror can replay it. Once the body outgrows the
// limit the copy is dropped and the request can no longer be retried: a body that has been
// streamed and not kept is never sent twice (Envoy's per_request_buffer_limit behaviour).
// Create it when the first try starts: until then the source stays paused in the socket.
import type { Readable, Writable } from 'node:stream';

export class RequestBody {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The copy was dropped: only the try that saw the stream has the body. */
  overflowed = false;
  ended = false;
  private sink: Writable | undefined;
  private consumers = 0;
  private readonly onDrain = (): void => {
    this.source.resume();
  };

  constructor(
    private readonly source: Readable,
    private readonly limit: number,
  ) {
    source.on('data', (chunk: Buffer) => {
      if (!this.overflowed) {
        this.bytes += chunk.length;
        if (this.bytes > this.limit) {
          this.overflowed = true;
          this.chunks = [];
        } else {
          this.chunks.push(chunk);
        }
      }
      const sink = this.sink;
      if (sink && !sink.destroyed && !sink.write(chunk)) {
        source.pause();
        sink.once('drain', this.onDrain);
      }
    });
    source.once('end', () => {
      this.ended = true;
      const sink = this.sink;
      if (sink && !sink.destroyed) sink.end();
    });
  }

  /** Whether a new try could be sent the whole body. */
  get replayable(): boolean {
    return !this.overflowed;
  }

  /** A complete copy exists (for mirrors, which must not wait on the stream). */
  get complete(): Buffer | undefined {
    if (!this.ended || this.overflowed) return undefined;
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }

  /**
   * Make `sink` the body's destination: replay the copy so far, then stream the rest.
   * Returns false when the copy was dropped and the sink cannot get the full body.
   */
  attach(sink: Writable): boolean {
    if (this.consumers > 0 && this.overflowed) return false;
    this.detach();
    this.consumers++;
    this.sink = sink;
    for (const c of this.chunks) sink.write(c);
    if (this.ended) sink.end();
    else if (this.source.isPaused()) this.source.resume();
    return true;
  }

  /** The current try ended; stop writing to it. */
  detach(): void {
    if (this.sink) this.sink.off('drain', this.onDrain);
    this.sink = undefined;
  }
}
