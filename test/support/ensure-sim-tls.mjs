// Creates the self-signed certificate the local simulators serve HTTPS with (Graph's client only sends its
// bearer token over https). Node reads NODE_EXTRA_CA_CERTS at start only, so the npm scripts run this first
// and then start node with NODE_EXTRA_CA_CERTS pointing at the certificate.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '.sim-tls');
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
if (!existsSync(cert) || !existsSync(key)) {
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '3650',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
}
