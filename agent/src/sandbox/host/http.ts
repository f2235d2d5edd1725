import type { CertificateInfo, HttpResponse } from '@prophasis/protocol';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { CapabilitySet } from '../capabilities.js';
import { asPluginError, bounded, denied, HOST_LIMITS, invalid, optionsObject, PluginCallError, str, type HostFunctionDeps } from './common.js';
import { certificateInfo } from './net.js';
import type { HostFamilyFunctions } from './table.js';

/** `host.httpRequest`: the table's `http.request` kind. */
export function httpFunctions(caps: CapabilitySet, deps: HostFunctionDeps): HostFamilyFunctions<'http.request'> {
  const { signal } = deps;
  return {
    async httpRequest(urlArg, optionsArg): Promise<HttpResponse> {
      const url = str(urlArg, 'url', 8192);
      if (!caps.allowsUrl(url)) throw denied(`a request to ${url}`, caps);
      const options = optionsObject(optionsArg);
      const method = options.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw invalid('method must be GET, HEAD or POST');
      const headers: Record<string, string> = {};
      if (options.headers !== undefined) {
        const h = optionsObject(options.headers);
        if (Object.keys(h).length > HOST_LIMITS.httpHeaders) throw invalid(`at most ${HOST_LIMITS.httpHeaders} headers`);
        for (const [k, v] of Object.entries(h)) headers[str(k, 'header name', 256)] = str(v, `header ${k}`, 8192);
      }
      const body = options.body === undefined ? undefined : str(options.body, 'body', HOST_LIMITS.httpRequestBodyBytes);
      const timeoutMs = bounded(options.timeoutMs, 'timeoutMs', HOST_LIMITS.httpTimeoutMs, deps.runTimeoutMs);
      const maxBody = bounded(options.maxBodyBytes, 'maxBodyBytes', HOST_LIMITS.httpBodyBytes, HOST_LIMITS.httpBodyMaxBytes);
      const verifyTls = options.verifyTls !== false;
      const target = new URL(url);
      const isHttps = target.protocol === 'https:';
      const started = performance.now();
      return new Promise<HttpResponse>((resolve, reject) => {
        let certificate: CertificateInfo | undefined;
        // agent: false → a fresh socket per request, so the certificate is always observed.
        // Redirects are never followed: a redirect could leave the declared prefix.
        const request = (isHttps ? https : http).request(target, {
          method,
          headers,
          agent: false,
          signal,
          timeout: timeoutMs,
          ...(isHttps ? { rejectUnauthorized: verifyTls } : {}),
        });
        const timer = setTimeout(() => request.destroy(new PluginCallError('ETIMEDOUT', `no complete response from ${target.origin} within ${timeoutMs} ms`)), timeoutMs);
        request.on('socket', (socket) => {
          if (!isHttps) return;
          (socket as TLSSocket).once('secureConnect', () => {
            const cert = (socket as TLSSocket).getPeerCertificate();
            if (cert && cert.valid_to) certificate = certificateInfo(cert, (socket as TLSSocket).authorized);
          });
        });
        request.on('timeout', () => request.destroy(new PluginCallError('ETIMEDOUT', `no response from ${target.origin} within ${timeoutMs} ms`)));
        request.on('error', (e) => {
          clearTimeout(timer);
          reject(asPluginError(e));
        });
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          response.on('data', (chunk: Buffer) => {
            if (size + chunk.length > maxBody) {
              truncated = true;
              chunks.push(chunk.subarray(0, maxBody - size));
              size = maxBody;
              // Enough kept: stop reading rather than download an endless body.
              response.destroy();
              finish();
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          let finished = false;
          const finish = () => {
            if (finished) return;
            finished = true;
            clearTimeout(timer);
            const flat: Record<string, string> = {};
            for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({
              status: response.statusCode ?? 0,
              headers: flat,
              body: Buffer.concat(chunks).toString('utf8'),
              latencyMs: Math.round((performance.now() - started) * 100) / 100,
              truncated,
              ...(certificate ? { certificate } : {}),
            });
          };
          response.on('end', finish);
          response.on('error', (e) => {
            clearTimeout(timer);
            if (!finished) reject(asPluginError(e));
          });
        });
        request.end(body);
      });
    },
  };
}
