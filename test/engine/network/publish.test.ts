/** docker's -p grammar (go-connections nat.ParsePortSpec), as parsePublish reads it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPort, parsePublish } from '../../../src/engine/network/publish.js';

describe('parsePublish', () => {
  test('HOSTPORT:CTRPORT publishes on every address over tcp', () => {
    assert.deepEqual(parsePublish('8080:80'), [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  });

  test('IP:HOSTPORT:CTRPORT/udp keeps the address and the protocol', () => {
    assert.deepEqual(parsePublish('127.0.0.1:5353:53/udp'), [
      { hostIP: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
    ]);
    assert.deepEqual(parsePublish('80/TCP'), [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  });

  test('IPv6 addresses are written in brackets; 0.0.0.0 means every address', () => {
    assert.deepEqual(parsePublish('[::1]:8080:80'), [
      { hostIP: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    ]);
    assert.deepEqual(parsePublish('0.0.0.0:8080:80'), [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  });

  test('no host port (80, IP::80) asks for a dynamic one: hostPort 0', () => {
    assert.deepEqual(parsePublish('80'), [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(parsePublish('127.0.0.1::80'), [
      { hostIP: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' },
    ]);
  });

  test('equal ranges map port by port; a host range for one port is a range to pick from', () => {
    assert.deepEqual(
      parsePublish('8000-8002:9000-9002').map((p) => [p.hostPort, p.containerPort]),
      [
        [8000, 9000],
        [8001, 9001],
        [8002, 9002],
      ],
    );
    assert.deepEqual(parsePublish('8000-8010:80'), [
      { hostPort: 8000, hostPortEnd: 8010, containerPort: 80, protocol: 'tcp' },
    ]);
    assert.equal(parsePublish('1000-1003').length, 4);
  });

  test('bad specs are refused with one message naming the spec', () => {
    for (const [spec, why] of [
      ['8080:', /no container port/],
      ['x:80', /host port 'x'/],
      ['8080:70000', /outside 1-65535/],
      ['8000-8002:80-81', /differ in length/],
      ['80/icmp', /unknown protocol 'icmp'/],
      ['80/sctp', /sctp is not supported/],
      ['300.1.1.1:80:80', /not an IP address/],
      ['9-3:80', /ends before it starts/],
    ] as const)
      assert.throws(
        () => parsePublish(spec),
        (e: Error) => e.message.includes(`'${spec}'`) && why.test(e.message),
        spec,
      );
  });

  test('formatPort writes the spec back', () => {
    assert.equal(formatPort(parsePublish('[::1]:8080:80/udp')[0]!), '[::1]:8080:80/udp');
    assert.equal(formatPort(parsePublish('8000-8010:80')[0]!), '8000-8010:80/tcp');
  });
});
