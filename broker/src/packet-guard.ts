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
 * Scans every byte aedes reads from `socket` and destroys the socket at the first packet
 * larger than `maxPacketBytes`, before that packet is buffered: aedes reads a connection with
 * `read()` on 'readable', so wrapping the socket's own `read` sees each chunk as aedes takes
 * it, and the stream's backpressure holds at most its high-water mark meanwhile. MQTT 3.1.1
 * has no CONNACK/DISCONNECT reason to tell the client why, so closing is the only answer and
 * `onOversize` logs it.
 *
 * (This used to be a Duplex stream between the socket and aedes; one stream less per
 * connection saves about 1 KiB of heap and a stream hop on every read and write.)
 */
export function guardReads(socket: Socket, maxPacketBytes: number, onOversize: (size: number) => void): void {
  const scanner = new MqttFrameScanner(maxPacketBytes);
  const read = socket.read.bind(socket);
  socket.read = (size?: number): Buffer | null => {
    const chunk = read(size) as Buffer | null;
    if (chunk === null || socket.destroyed) return chunk;
    const oversize = scanner.scan(chunk);
    if (oversize === undefined) return chunk;
    onOversize(oversize);
    socket.destroy();
    return null;
  };
}
