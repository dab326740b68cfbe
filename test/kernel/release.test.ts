import assert from 'node:assert/strict';
import { atLeast, compareRelease, parseRelease, versionAtLeast } from '../../src/kernel/release.js';

const r = (s: string) => {
  const x = parseRelease(s);
  assert.ok(x, s);
  return x;
};

describe('kernel release parsing', () => {
  it('splits upstream version and package release', () => {
    assert.deepEqual(r('5.10.134-16.al8.x86_64').version, [5, 10, 134]);
    assert.deepEqual(r('5.10.134-16.al8.x86_64').pkg, [16]);
    assert.equal(r('5.10.134-16.al8.x86_64').distTag, 'al8');
    assert.deepEqual(r('5.10.84-10.4.al8.x86_64').pkg, [10, 4]);
    assert.deepEqual(r('5.10.134-19.1.al8').pkg, [19, 1]);
    assert.deepEqual(r('6.12.117+deb12-amd64').version, [6, 12, 117]);
    assert.deepEqual(r('6.12.117+deb12-amd64').pkg, []);
    assert.equal(r('6.12.117+deb12-amd64').distTag, null);
    assert.deepEqual(r('5.15.0-91-generic').pkg, [91]);
    assert.equal(parseRelease('garbage'), null);
  });

  it('compares by version, then package release numerically', () => {
    assert.ok(compareRelease(r('5.10.134-16.al8.x86_64'), r('5.10.134-15.al8.x86_64')) > 0);
    assert.ok(compareRelease(r('5.10.134-9.al8.x86_64'), r('5.10.134-10.al8.x86_64')) < 0, 'numeric, not lexical');
    assert.ok(compareRelease(r('5.10.84-10.4.al8.x86_64'), r('5.10.84-10.al8.x86_64')) > 0);
    assert.ok(compareRelease(r('5.10.84-10.al8.x86_64'), r('5.10.134-1.al8.x86_64')) < 0);
    assert.equal(compareRelease(r('5.10.134-16.al8.x86_64'), r('5.10.134-16.al8.aarch64')), 0);
  });

  it('applies the guide gates', () => {
    assert.ok(atLeast(r('5.10.84-10.4.al8.x86_64'), '5.10.84-10'));
    assert.ok(!atLeast(r('5.10.84-9.al8.x86_64'), '5.10.84-10'));
    assert.ok(!atLeast(r('5.10.60-9.al8.x86_64'), '5.10.84-10'));
    assert.ok(atLeast(r('5.10.134-16.al8.aarch64'), '5.10.134-16'));
    assert.ok(!atLeast(r('5.10.134-15.al8.aarch64'), '5.10.134-16'));
    assert.ok(atLeast(r('6.12.117+deb12-amd64'), '5.18'));
    assert.ok(!atLeast(r('5.15.0-91-generic'), '5.18'));
    assert.ok(versionAtLeast(r('5.18.0'), 5, 18));
    assert.ok(!versionAtLeast(r('5.17.15-1'), 5, 18));
  });
});
