// MLLP (HL7 v2 Minimal Lower Layer Protocol) framing, pure: a message travels as 0x0B <message> 0x1C 0x0D. The
// decoder takes the bytes as they arrive (a frame may be split across chunks, a chunk may hold several frames) and
// reports bytes outside a frame as an 'error' event instead of throwing; the TCP listener lives elsewhere.
import { EventEmitter } from 'node:events';

const START_BLOCK = 0x0b;
const END_BLOCK = 0x1c;
const CARRIAGE_RETURN = 0x0d;
const LINE_FEED = 0x0a;

/** One message in an MLLP frame. */
export function frame(message: string, encoding: BufferEncoding = 'utf8'): Buffer {
  return Buffer.concat([
    Buffer.from([START_BLOCK]),
    Buffer.from(message, encoding),
    Buffer.from([END_BLOCK, CARRIAGE_RETURN]),
  ]);
}

/** Bytes that are not part of a well-formed frame. */
export class MllpFramingError extends Error {
  constructor(
    message: string,
    /** The bytes dropped. */
    readonly bytes: Buffer,
  ) {
    super(message);
    this.name = 'MllpFramingError';
  }
}

export interface MllpDecoderOptions {
  /** How the bytes of a message are read (HL7 v2 messages in the Netherlands are UTF-8 or ISO 8859-1). */
  readonly encoding?: BufferEncoding;
  /** A frame longer than this is dropped with an error rather than held in memory. */
  readonly maxMessageBytes?: number;
}

interface MllpEvents {
  message: [message: string];
  error: [error: MllpFramingError];
}

/**
 * The messages in a stream of bytes. `push` returns the messages completed by a chunk (and emits 'message' for
 * each); garbage between frames, a frame cut off by a new start block and an over-long frame emit 'error' (with no
 * 'error' listener they are only counted in `discarded`, never thrown). CR and LF between frames are ignored.
 */
export class MllpDecoder extends EventEmitter<MllpEvents> {
  private readonly encoding: BufferEncoding;
  private readonly maxMessageBytes: number;
  private parts: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** The rest of an over-long frame is skipped up to its end block. */
  private skipping = false;
  /** An end block seen at the end of the last chunk: the carriage return may come in the next one. */
  private pendingEnd = false;
  private garbage: number[] = [];
  /** The framing errors found so far (also when nobody listened). */
  discarded = 0;

  constructor(options: MllpDecoderOptions = {}) {
    super();
    this.encoding = options.encoding ?? 'utf8';
    this.maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
  }

  push(chunk: Buffer): string[] {
    const messages: string[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.pendingEnd) {
        this.pendingEnd = false;
        if (byte === CARRIAGE_RETURN) {
          from = i + 1;
          continue;
        }
      }
      if (this.skipping) {
        if (byte === END_BLOCK || byte === START_BLOCK) {
          this.skipping = false;
          this.pendingEnd = byte === END_BLOCK;
          this.inFrame = byte === START_BLOCK;
          from = i + 1;
        }
        continue;
      }
      if (!this.inFrame) {
        if (byte === START_BLOCK) {
          this.flushGarbage();
          this.inFrame = true;
          from = i + 1;
        } else if (byte !== CARRIAGE_RETURN && byte !== LINE_FEED) {
          this.garbage.push(byte);
        }
        continue;
      }
      if (byte === START_BLOCK) {
        if (this.append(chunk.subarray(from, i))) {
          this.fail('a new frame started before the previous one ended', this.take());
        }
        this.skipping = false;
        this.inFrame = true;
        from = i + 1;
      } else if (byte === END_BLOCK) {
        const whole = this.append(chunk.subarray(from, i));
        this.inFrame = false;
        this.skipping = false;
        this.pendingEnd = true;
        from = i + 1;
        if (whole) {
          const message = this.take().toString(this.encoding);
          messages.push(message);
          this.emit('message', message);
        }
      } else if (i - from + this.size >= this.maxMessageBytes) {
        this.append(chunk.subarray(from, i + 1));
        from = i + 1;
      }
    }
    if (this.inFrame) {
      this.append(chunk.subarray(from));
    }
    this.flushGarbage();
    return messages;
  }

  /** The stream has ended: a frame still open is incomplete. */
  end(): void {
    this.flushGarbage();
    if (this.inFrame) {
      this.inFrame = false;
      this.fail('the stream ended inside a frame', this.take());
    }
  }

  /** Adds bytes to the open frame; false when the frame grew too long (it is then dropped and its rest skipped). */
  private append(bytes: Buffer): boolean {
    if (!this.inFrame) {
      return false;
    }
    if (bytes.length > 0) {
      this.parts.push(bytes);
      this.size += bytes.length;
    }
    if (this.size > this.maxMessageBytes) {
      this.inFrame = false;
      this.skipping = true;
      this.fail(`a frame exceeded ${this.maxMessageBytes} bytes`, this.take());
      return false;
    }
    return true;
  }

  private take(): Buffer {
    const all = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    return all;
  }

  private flushGarbage(): void {
    if (this.garbage.length > 0) {
      const bytes = Buffer.from(this.garbage);
      this.garbage = [];
      this.fail(`${bytes.length} byte(s) outside an MLLP frame`, bytes);
    }
  }

  private fail(reason: string, bytes: Buffer): void {
    this.discarded++;
    if (this.listenerCount('error') > 0) {
      this.emit('error', new MllpFramingError(reason, bytes));
    }
  }
}
