import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** A throwaway self-signed certificate for `hosts` (the first is the subject), as PEM files in `dir`. */
export function makeCertificate(dir: string, hosts: string[]): { cert: string; key: string } {
  const cert = join(dir, 'test.crt');
  const key = join(dir, 'test.key');
  const san = hosts.map((h) => (/^[0-9.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', key, '-out', cert, '-subj', `/CN=${hosts[0]}`, '-addext', `subjectAltName=${san}`],
    { stdio: 'pipe' },
  );
  return { cert, key };
}
