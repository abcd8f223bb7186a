/**
 * Two-way TLS in front of the simulator: a throwaway CA, a server certificate for 127.0.0.1 and a
 * client certificate, made with openssl; and an https server that demands a client certificate
 * signed by that CA and forwards everything else to the simulator unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caPem: string;
  serverCert: string;
  serverKey: string;
  /** Paths, for CITI_TLS_CERT / CITI_TLS_KEY / CITI_TLS_CA. */
  clientCertPath: string;
  clientKeyPath: string;
  caPath: string;
  remove(): void;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'citi-sync-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=citi-sync reliability CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=citi-sync ${who}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', '-extfile', `${who}.ext`);
  }
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caPem: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    caPath: join(dir, 'ca.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface MtlsProxy {
  /** https://127.0.0.1:PORT + the simulator's base path. */
  baseUrl: string;
  /** Requests that reached the simulator through the proxy (i.e. passed the client-certificate check). */
  forwarded: number;
  /** TLS handshakes refused (no or bad client certificate). */
  refused: number;
  close(): Promise<void>;
}

export async function startMtlsProxy(pki: TestPki, sandboxUrl: string): Promise<MtlsProxy> {
  const target = new URL(sandboxUrl);
  const state = { forwarded: 0, refused: 0 };
  const server: Server = createServer(
    { key: pki.serverKey, cert: pki.serverCert, ca: pki.caPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      state.forwarded++;
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    },
  );
  server.on('tlsClientError', () => state.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `https://127.0.0.1:${port}${target.pathname}`,
    get forwarded() {
      return state.forwarded;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
