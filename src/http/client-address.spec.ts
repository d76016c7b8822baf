import { addressNetworkOf } from './client-address';

describe('addressNetworkOf', () => {
  it('keeps an IPv4 address whole, mapped into IPv6 or not', () => {
    expect(addressNetworkOf('203.0.113.7')).toBe('203.0.113.7');
    expect(addressNetworkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one network, however it is written', () => {
    const network = '2001:db8:0:1::/64';
    expect(addressNetworkOf('2001:db8:0:1::1')).toBe(network);
    expect(addressNetworkOf('2001:0DB8:0000:0001:ffff:1:2:3')).toBe(network);
    expect(addressNetworkOf('2001:db8::1:0:0:0:9')).toBe(network);
    expect(addressNetworkOf('2001:db8:0:2::1')).not.toBe(network);
    expect(addressNetworkOf('::1')).toBe('0:0:0:0::/64');
    expect(addressNetworkOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('passes anything else through (its own counter)', () => {
    expect(addressNetworkOf('unknown')).toBe('unknown');
  });
});
