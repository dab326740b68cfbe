// etcd over TLS with client certificates (a CA, a server and a client certificate made with
// openssl for the test): kfleet reaches it through etcds:// and KFLEET_ETCD_CACERT/CERT/KEY, and a
// client without a certificate is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { kfleetStart } from '../rollout/support.js';

function makeCerts(dir: string): Record<'ca' | 'caKey' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const f = (n: string) => join(dir, n);
  const ssl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kfleet-test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=kfleet-test-${who}`, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`));
    ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f(`${who}.ext`), '-out', f(`${who}.pem`));
  }
  return { ca: f('ca.pem'), caKey: f('ca.key'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

describe('etcd state over TLS with client certificates', function () {
  this.timeout(120_000);
  let etcd: EtcdCluster;
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-tls-'));
  let certs: ReturnType<typeof makeCerts>;
  before(async () => {
    certs = makeCerts(dir);
    etcd = await startEtcd(1, { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey });
  });
  after(async () => etcd?.stop());

  it('works with the CA and a client certificate from the environment; without a certificate it is refused', async () => {
    const url = etcd.url('tls');
    assert.match(url, /^etcds:\/\//);
    const env = { KFLEET_ETCD_CACERT: certs.ca, KFLEET_ETCD_CERT: certs.clientCert, KFLEET_ETCD_KEY: certs.clientKey };
    const ok = await kfleetStart(['--state', url, 'quarantine', '--json'], env, dir).done;
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { quarantined: {} });
    const noCert = await kfleetStart(['--state', url, 'quarantine'], { KFLEET_ETCD_CACERT: certs.ca, KFLEET_STATE_TIMEOUT: '8' }, dir).done;
    assert.notEqual(noCert.code, 0);
    assert.match(noCert.stderr, /STATE_UNAVAILABLE/);
    const badFile = await kfleetStart(['--state', url, 'quarantine'], { ...env, KFLEET_ETCD_KEY: join(dir, 'missing.key') }, dir).done;
    assert.equal(badFile.code, 2);
    assert.match(badFile.stderr, /STATE_TLS: cannot read the etcd client key .*missing\.key: ENOENT/);
  });
});
