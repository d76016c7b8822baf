// A relying party's back-channel logout endpoint (OpenID Connect Back-Channel Logout §2.5) for
// tests: a local HTTP server that records every POST and answers as told.
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A client's back-channel logout receiver: records each POST and answers with `status()`. */
export interface Receiver {
  url: string;
  received: { path: string; contentType?: string; body: URLSearchParams }[];
  /** The status for the next request to `path` (default 200); 'hang' never answers. */
  answers: Map<string, (number | 'hang')[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const answers = new Map<string, (number | 'hang')[]>();
  const hanging: IncomingMessage[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({
        path,
        contentType: request.headers['content-type'],
        body: new URLSearchParams(body),
      });
      const answer = answers.get(path)?.shift() ?? 200;
      if (answer === 'hang') return void hanging.push(request);
      if (answer === 302) response.writeHead(302, { location: `${url}/elsewhere` });
      else response.writeHead(answer, { 'cache-control': 'no-store' });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    answers,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
