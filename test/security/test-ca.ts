import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const OPENSSL = '/usr/bin/openssl'
const run = (args: string[], cwd: string) => execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** A CA made with openssl for one test, as docs/security.md shows (EC keys: quick to make). */
export function makeCa(dir: string, name = 'ca'): { cert: string; key: string } {
  run(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=Outpost test ${name}`], dir)
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
}

/** A certificate signed by `ca`: CN is the device id for clients, `localhost` for the hub. */
export function makeCert(dir: string, ca: { cert: string; key: string }, name: string, cn: string, server = false): { cert: string; key: string } {
  run(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir)
  const ext = join(dir, `${name}.ext`)
  writeFileSync(ext, server ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n')
  run(['x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext], dir)
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
}
