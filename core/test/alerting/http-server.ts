import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local HTTP receiver on an ephemeral port; `status` (or `hang`) decides the answer. */
export async function startReceiver(): Promise<{
  port: number;
  base: string;
  requests: ReceivedRequest[];
  respond: { status: number; hang: boolean; location?: string };
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  const respond = { status: 200, hang: false } as { status: number; hang: boolean; location?: string };
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (respond.hang) {
        hanging.add(res);
        return;
      }
      res.writeHead(respond.status, respond.location ? { location: respond.location } : {});
      res.end(respond.status >= 400 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    requests,
    respond,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
