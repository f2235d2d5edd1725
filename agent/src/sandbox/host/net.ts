import type { CertificateInfo, TcpConnectResult } from '@prophasis/protocol';
import net from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
import type { CapabilitySet } from '../capabilities.js';
import { asPluginError, bounded, denied, errorCode, HOST_LIMITS, invalid, optionsObject, PluginCallError, str, type HostFunctionDeps } from './common.js';
import type { HostFamilyFunctions } from './table.js';

/** The plain-data view of a peer certificate (also what `host.httpRequest` reports for https). */
export function certificateInfo(cert: PeerCertificate, trusted: boolean): CertificateInfo {
  const name = (x: unknown) =>
    x && typeof x === 'object'
      ? Object.entries(x as Record<string, unknown>)
          .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
          .join(', ')
      : '';
  const validFrom = Date.parse(cert.valid_from);
  const validTo = Date.parse(cert.valid_to);
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validFrom,
    validTo,
    daysRemaining: Math.floor((validTo - Date.now()) / 86_400_000),
    trusted,
  };
}

function hostPort(caps: CapabilitySet, hostArg: unknown, portArg: unknown, what: string): { host: string; port: number } {
  const host = str(hostArg, 'host', 255);
  if (typeof portArg !== 'number' || !Number.isInteger(portArg) || portArg < 1 || portArg > 65535) throw invalid('port must be an integer 1-65535');
  if (!caps.allowsConnect(host, portArg)) throw denied(`${what} to ${host}:${portArg}`, caps);
  // Brackets belong to the capability syntax, not to the socket API.
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port: portArg };
}

/** `host.tcpConnect` and `host.tlsCertificate`: the table's `net.connect` kind. */
export function netFunctions(caps: CapabilitySet, deps: HostFunctionDeps): HostFamilyFunctions<'net.connect'> {
  const { signal } = deps;
  return {
    async tcpConnect(hostArg, portArg, optionsArg): Promise<TcpConnectResult> {
      const { host, port } = hostPort(caps, hostArg, portArg, 'connecting');
      const timeoutMs = bounded(optionsObject(optionsArg).timeoutMs, 'timeoutMs', HOST_LIMITS.connectTimeoutMs, deps.runTimeoutMs);
      const started = performance.now();
      return new Promise<TcpConnectResult>((resolve) => {
        const socket = net.connect({ host, port, signal });
        const done = (error?: string) => {
          clearTimeout(timer);
          socket.destroy();
          const latencyMs = Math.round((performance.now() - started) * 100) / 100;
          resolve(error ? { connected: false, latencyMs, error } : { connected: true, latencyMs });
        };
        const timer = setTimeout(() => done('ETIMEDOUT'), timeoutMs);
        socket.once('connect', () => done());
        socket.once('error', (e) => done(errorCode(e)));
      });
    },

    async tlsCertificate(hostArg, portArg, optionsArg): Promise<CertificateInfo> {
      const { host, port } = hostPort(caps, hostArg, portArg, 'connecting');
      const options = optionsObject(optionsArg);
      const timeoutMs = bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.connectTimeoutMs, deps.runTimeoutMs);
      const servername = options.servername === undefined ? (net.isIP(host) ? undefined : host) : str(options.servername, 'servername', 255);
      return new Promise<CertificateInfo>((resolve, reject) => {
        // rejectUnauthorized false: the point is to report the certificate, trusted or not.
        const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
        signal.addEventListener('abort', () => socket.destroy(), { once: true });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new PluginCallError('ETIMEDOUT', `no TLS handshake with ${host}:${port} within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('secureConnect', () => {
          clearTimeout(timer);
          const cert = socket.getPeerCertificate();
          socket.destroy();
          if (!cert || !cert.valid_to) return reject(new PluginCallError('no_certificate', `${host}:${port} presented no certificate`));
          resolve(certificateInfo(cert, socket.authorized));
        });
        socket.once('error', (e) => {
          clearTimeout(timer);
          reject(asPluginError(e));
        });
      });
    },
  };
}
