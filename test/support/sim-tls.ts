import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '.sim-tls');

/** The simulators' TLS key pair, made by ensure-sim-tls.mjs before node starts (see package.json scripts). */
export function simTls(): { key: string; cert: string; certPath: string } {
  const certPath = join(dir, 'cert.pem');
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}
