import { strict as assert } from 'node:assert';
import { expandHostPattern, expandHostRange, parseAddress } from '../../src/inventory/host-range.js';

describe('inventory: host definitions and ranges', () => {
  it('expands numeric ranges with zero padding and steps', () => {
    assert.deepEqual(expandHostRange('web[01:03]'), ['web01', 'web02', 'web03']);
    assert.deepEqual(expandHostRange('n[1:10:3]'), ['n1', 'n4', 'n7', 'n10']);
    assert.deepEqual(expandHostRange('n[:2]'), ['n0', 'n1', 'n2']);
    assert.deepEqual(expandHostRange('x[8:10]'), ['x8', 'x9', 'x10']);
  });
  it('expands letter ranges and several ranges in one name', () => {
    assert.deepEqual(expandHostRange('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
    assert.deepEqual(expandHostRange('e-[x:y]-[1:2]'), ['e-x-1', 'e-x-2', 'e-y-1', 'e-y-2']);
    assert.deepEqual(expandHostRange('l[a:e:2]'), ['la', 'lc', 'le']);
  });
  it('rejects malformed ranges like Ansible', () => {
    assert.throws(() => expandHostRange('w[01:100]'), /equal-length/);
    assert.throws(() => expandHostRange('w[1:]'), /must specify end/);
    assert.throws(() => expandHostRange('w[c:a]'), /begin <= end/);
    assert.throws(() => expandHostRange('w[1:2:3:4]'), /begin:end/);
    assert.throws(() => expandHostRange('w[1:x]'), /invalid literal/);
  });
  it('splits ports off names, IPv4 and bracketed IPv6', () => {
    assert.deepEqual(parseAddress('web01:2222'), { host: 'web01', port: 2222 });
    assert.deepEqual(parseAddress('10.0.0.1'), { host: '10.0.0.1', port: undefined });
    assert.deepEqual(parseAddress('[2001:db8::1]:22'), { host: '2001:db8::1', port: 22 });
    assert.deepEqual(parseAddress('2001:db8::1'), { host: '2001:db8::1', port: undefined });
    assert.deepEqual(expandHostPattern('node[1:2]:2200'), { hosts: ['node1', 'node2'], port: 2200 });
    assert.equal(parseAddress('bad name'), undefined);
  });
  it("refuses a trailing ':' and '---'", () => {
    assert.throws(() => expandHostPattern('web01:'), /ending in ':'/);
    assert.throws(() => expandHostPattern('---'), /YAML file/);
  });
});
