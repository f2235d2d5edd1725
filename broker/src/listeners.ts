import type { Logger } from '@prophasis/protocol';
import type { Aedes, Client } from 'aedes';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { BrokerConfig } from './config.js';
import { guardReads } from './packet-guard.js';
import type { ReportSecurity } from './security-events.js';

const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
].join(':');

/**
 * The TLS listener, not listening yet; each socket that completes its handshake goes to
 * `accept`. Throws OpenSSL's error for settings it cannot use (e.g. an unknown tlsGroups name).
 */
export function createTlsListener(
  config: Pick<BrokerConfig, 'tls' | 'tlsGroups' | 'tlsMaxVersion' | 'connectTimeoutMs'>,
  ticketKeys: Buffer | undefined,
  accept: (socket: Socket) => void,
): TlsServer {
  return createTlsServer(
    {
      ...(ticketKeys ? { ticketKeys } : {}),
      ecdhCurve: config.tlsGroups,
      cert: `${config.tls.serverCertPem.trimEnd()}\n${config.tls.caCertPem.trimEnd()}\n`, // chain: agents pin the CA it ends with
      key: config.tls.serverKeyPem,
      minVersion: 'TLSv1.2',
      maxVersion: config.tlsMaxVersion,
      // TLS 1.3 suites, and for TLS 1.2 only forward-secret AEAD suites (the certificate is
      // ECDSA, so only ECDHE-ECDSA suites can be negotiated at all).
      ciphers: TLS_CIPHERS,
      handshakeTimeout: config.connectTimeoutMs,
    },
    (socket: TLSSocket) => accept(socket),
  );
}

/** Ends failed handshakes and tracks every TCP connection of the TLS listener in `sockets`. */
export function watchTlsListener(tls: TlsServer, sockets: Set<Socket>, log: Logger): void {
  tls.on('tlsClientError', (err, socket) => {
    log.debug({ err: err.message, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  // Sockets that never finish the handshake must not outlive stop().
  tls.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

/** The plaintext listener (config.plaintextPort), not listening yet. */
export function createPlaintextListener(accept: (socket: Socket) => void): NetServer {
  return createNetServer((socket) => accept(socket));
}

/** Starts listening; resolves with the port bound (the one asked for, or the kernel's pick for 0). */
export function listenOn(server: NetServer, port: number, host: string, backlog: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // The kernel's accept queue must hold a reconnect storm: when it is full, connection
    // attempts are dropped and the agents' TCP stacks retry only after 1, 3, 7, 15 s.
    server.listen({ port, host, backlog }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export function closeServer(server: NetServer | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

export interface AcceptDeps {
  /** The running aedes instance (once start() has created it), and where start()/stop() are. */
  state(): { aedes: Aedes | undefined; starting: boolean; stopping: boolean };
  /** TLS sockets accepted while start() was still loading the session store. */
  early: Socket[];
  /** Every open connection, destroyed by stop(). */
  sockets: Set<Socket>;
  config: Pick<BrokerConfig, 'maxPacketBytes'>;
  security: ReportSecurity;
}

/**
 * Hands a connection from either listener to aedes, behind the packet size guard. Before
 * aedes exists (start() is loading the session store) it is parked in `early`; when the
 * broker is stopping or stopped it is destroyed.
 */
export function createAcceptor({ state, early, sockets, config, security }: AcceptDeps): (socket: Socket) => void {
  return (socket) => {
    const { aedes: instance, starting, stopping } = state();
    if (!instance && starting && !stopping) {
      early.push(socket);
      return;
    }
    if (!instance || stopping) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    const remoteAddress = socket.remoteAddress;
    guardReads(socket, config.maxPacketBytes, (size) => {
      const clientId = (socket as Socket & { client?: Client }).client?.id;
      security({ kind: 'packet_too_large', ...(clientId ? { clientId } : {}), reason: `packet of ${size} bytes exceeds ${config.maxPacketBytes} from ${remoteAddress}` });
    });
    instance.handle(socket);
  };
}
