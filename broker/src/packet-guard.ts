import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Reads MQTT fixed headers as bytes stream past and reports the first packet whose total
 * size exceeds a limit. aedes' parser (mqtt-packet) has no size limit for MQTT 3.1.1 and
 * buffers a whole packet before looking at it, so a client announcing a 256 MiB remaining
 * length would be held in memory; this scanner sees the length after at most five bytes.
 */
export class MqttFrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feeds bytes; returns the size of an oversized or malformed packet, or `undefined`. */
  scan(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'type':
          i++;
          this.state = 'length';
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          break;
        case 'length': {
          const byte = chunk[i++]!;
          this.length += (byte & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if (byte & 0x80) {
            // [MQTT-2.2.3] the remaining length takes at most four bytes
            if (this.lengthBytes >= 4) return Number.POSITIVE_INFINITY;
            break;
          }
          const total = 1 + this.lengthBytes + this.length;
          if (total > this.maxPacketBytes) return total;
          this.remaining = this.length;
          this.state = this.remaining > 0 ? 'body' : 'type';
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
      }
    }
    return undefined;
  }
}

/**
 * The connection aedes reads from: the socket's bytes pass through unchanged after the
 * scanner has seen them; a packet larger than `maxPacketBytes` destroys the socket before
 * the packet is buffered. MQTT 3.1.1 has no CONNACK/DISCONNECT reason to tell the client why,
 * so closing is the only answer and `onOversize` logs it.
 */
export class GuardedConnection extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private readonly scanner: MqttFrameScanner;

  constructor(
    private readonly socket: Socket,
    maxPacketBytes: number,
    onOversize: (size: number) => void,
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.scanner = new MqttFrameScanner(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const oversize = this.scanner.scan(chunk);
      if (oversize !== undefined) {
        onOversize(oversize);
        socket.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.destroyed) return callback(new Error('connection closed'));
    if (this.socket.write(chunk)) return callback();
    // Backpressure: hold the callback until the socket drains or closes, so Duplex's
    // own 'drain' (which aedes waits for) follows the socket's.
    const done = (): void => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      callback();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}
