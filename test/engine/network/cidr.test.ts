/** The address arithmetic behind --subnet, --gateway and overlap checks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstHost, formatCidr, formatIp, overlaps, parseCidr, parseIp } from '../../../src/engine/network/cidr.js';

describe('cidr', () => {
  test('parses and prints IPv4 and IPv6 subnets', () => {
    assert.equal(formatCidr(parseCidr('10.89.3.0/24')), '10.89.3.0/24');
    assert.equal(formatCidr(parseCidr('fd00:0:0:1::/64')), 'fd00:0:0:1::/64');
    assert.equal(formatIp(6, parseIp('::ffff:1.2.3.4')!.value), '::ffff:102:304');
    assert.equal(firstHost(parseCidr('10.89.3.0/24')), '10.89.3.1');
  });

  test('host bits set and non-CIDR text are refused, naming the right subnet', () => {
    assert.throws(() => parseCidr('10.1.2.3/24'), /the subnet is 10\.1\.2\.0\/24/);
    assert.throws(() => parseCidr('10.1.2.0'), /not a CIDR subnet/);
    assert.throws(() => parseCidr('10.1.2.0/33'), /not a CIDR subnet/);
  });

  test('overlap: containment either way, never across families', () => {
    assert.ok(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.89.0.0/24')));
    assert.ok(overlaps(parseCidr('10.89.0.128/25'), parseCidr('10.89.0.0/24')));
    assert.ok(!overlaps(parseCidr('10.89.1.0/24'), parseCidr('10.89.0.0/24')));
    assert.ok(!overlaps(parseCidr('::/0'), parseCidr('10.0.0.0/8')));
  });
});
