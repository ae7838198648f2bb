#!/usr/bin/env python3
"""make-pcap-fixtures.py: writes the small captures tests/import-pcap.sh reads into
tests/fixtures/pcap/, frame by frame with the struct module (no capture library), so every
byte and every expected count is known. The output is kept in the repository; run this
again only when a fixture changes:  python3 tests/make-pcap-fixtures.py [OUTDIR]"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "fixtures", "pcap")

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
T0 = 1700000000          # 2023-11-14T22:13:20Z


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def ip6(text):
    head, _, tail = text.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x]
    words = h + [0] * (8 - len(h) - len(t)) + t
    return struct.pack(">8H", *words)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0, total=None):
    length = 20 + len(payload) if total is None else total
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, length, ident, frag, ttl, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack(">H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, next_header, payload, hop_limit=64):
    return struct.pack(">IHBB16s16s", 6 << 28, len(payload), next_header, hop_limit,
                       ip6(src), ip6(dst)) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    # The checksum is left zero: tally must not drop packets for a bad checksum.
    return struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       5 << 4, flags, 64240, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(payload, ethertype=0x0800, tags=()):
    frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
    for tpid, vid in tags:
        frame += struct.pack(">HH", tpid, vid)
    return frame + struct.pack(">H", ethertype) + payload


def write_pcap(name, linktype, packets, nano=False, snaplen=65535, cut=0, modified=False):
    """packets: (seconds, nanoseconds, frame[, caplen]); cut: bytes removed from the end.
    modified: Alexey Kuznetsov's "modified pcap" (magic 0xa1b2cd34), whose record headers
    add an interface index, a protocol and a packet type (24 bytes instead of 16)."""
    magic = 0xA1B23C4D if nano else 0xA1B2CD34 if modified else 0xA1B2C3D4
    out = bytearray(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
    for p in packets:
        sec, ns, frame = p[0], p[1], p[2]
        caplen = p[3] if len(p) > 3 else len(frame)
        frac = ns if nano else ns // 1000
        out += struct.pack("<IIII", sec, frac, caplen, len(frame))
        if modified:
            out += struct.pack("<iHBB", 2, 0x0800, 0, 0)
        out += frame[:caplen]
    if cut:
        out = out[:-cut]
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(out)


class Dns:
    """A DNS message written front to back, names compressed against earlier ones."""

    def __init__(self, ident, flags, questions, answers):
        self.buf = bytearray(struct.pack(">HHHHHH", ident, flags, questions, answers, 0, 0))
        self.names = {}

    def name(self, name):
        labels = name.split(".")
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if suffix in self.names:
                self.buf += struct.pack(">H", 0xC000 | self.names[suffix])
                return
            self.names[suffix] = len(self.buf)
            label = labels[i].encode()
            self.buf += bytes([len(label)]) + label
        self.buf += b"\0"

    def question(self, name, qtype):
        self.name(name)
        self.buf += struct.pack(">HH", qtype, 1)

    def answer(self, name, rtype, ttl, rdata):
        self.name(name)
        self.buf += struct.pack(">HHIH", rtype, 1, ttl, 0)
        start = len(self.buf)
        if isinstance(rdata, bytes):
            self.buf += rdata
        else:
            rdata(self)
        struct.pack_into(">H", self.buf, start - 2, len(self.buf) - start)

    def raw(self, data):
        self.buf += data


A, NS, CNAME, PTR, MX, TXT, AAAA = 1, 2, 5, 12, 15, 16, 28
SERVER, CLIENT = "192.0.2.53", "192.0.2.10"


def dns_udp(ts, msg, ident=0):
    return (T0 + ts, 0, eth(ipv4(SERVER, CLIENT, 17, udp(53, 40000 + ident, bytes(msg)))))


def dns_fixture():
    packets = []
    # A query (counted, not stored) and its answer: a CNAME chain ending in two addresses.
    q = Dns(1, 0x0100, 1, 0)
    q.question("www.Shop.example", A)
    packets.append((T0, 0, eth(ipv4(CLIENT, SERVER, 17, udp(40001, 53, bytes(q.buf))))))
    r = Dns(1, 0x8180, 1, 4)
    r.question("www.Shop.example", A)
    r.answer("www.Shop.example", CNAME, 300, lambda m: m.name("shop.cdn.example"))
    r.answer("shop.cdn.example", CNAME, 60, lambda m: m.name("lb-1234.elb.example"))
    r.answer("lb-1234.elb.example", A, 20, ip4("203.0.113.11"))
    r.answer("lb-1234.elb.example", A, 20, ip4("203.0.113.10"))
    packets.append(dns_udp(1, r.buf, 1))
    # NXDOMAIN: a response without answers.
    r = Dns(2, 0x8183, 1, 0)
    r.question("missing.example", A)
    packets.append(dns_udp(2, r.buf, 2))
    # MX, TXT (two strings), PTR, AAAA kept as text.
    r = Dns(3, 0x8180, 1, 1)
    r.question("example.net", MX)
    r.answer("example.net", MX, 3600, lambda m: (m.raw(struct.pack(">H", 10)), m.name("mail.example.net")))
    packets.append(dns_udp(3, r.buf, 3))
    r = Dns(4, 0x8180, 1, 1)
    r.question("example.net", TXT)
    r.answer("example.net", TXT, 3600, b"\x07v=spf1 \x04-all")
    packets.append(dns_udp(4, r.buf, 4))
    r = Dns(5, 0x8180, 1, 1)
    r.question("10.113.0.203.in-addr.arpa", PTR)
    r.answer("10.113.0.203.in-addr.arpa", PTR, 86400, lambda m: m.name("host.example"))
    packets.append(dns_udp(5, r.buf, 5))
    r = Dns(6, 0x8180, 1, 1)
    r.question("v6.example", AAAA)
    r.answer("v6.example", AAAA, 120, ip6("2001:db8::80"))
    packets.append(dns_udp(6, r.buf, 6))
    # An answer whose name is a compression pointer to itself: malformed, nothing stored.
    r = Dns(7, 0x8180, 1, 1)
    r.question("loop.example", A)
    r.raw(struct.pack(">H", 0xC000 | len(r.buf)) + struct.pack(">HHIH", A, 1, 60, 4) + ip4("192.0.2.99"))
    packets.append(dns_udp(7, r.buf, 7))
    # DNS over TCP: the response split in two segments that arrive in reverse order.
    c, s = ("192.0.2.10", 41000), ("192.0.2.53", 53)
    packets.append((T0 + 8, 0, eth(ipv4(c[0], s[0], 6, tcp(c[1], s[1], 1000, 0, SYN)))))
    packets.append((T0 + 8, 1000, eth(ipv4(s[0], c[0], 6, tcp(s[1], c[1], 5000, 1001, SYN | ACK)))))
    q = Dns(8, 0x0100, 1, 0)
    q.question("api.example", A)
    query = struct.pack(">H", len(q.buf)) + bytes(q.buf)
    packets.append((T0 + 8, 2000, eth(ipv4(c[0], s[0], 6, tcp(c[1], s[1], 1001, 5001, PSH | ACK, query)))))
    r = Dns(8, 0x8180, 1, 1)
    r.question("api.example", A)
    r.answer("api.example", A, 30, ip4("198.51.100.7"))
    stream = struct.pack(">H", len(r.buf)) + bytes(r.buf)
    first, second = stream[:12], stream[12:]
    packets.append((T0 + 8, 3000, eth(ipv4(s[0], c[0], 6, tcp(s[1], c[1], 5001 + len(first), 1001, PSH | ACK, second)))))
    packets.append((T0 + 8, 4000, eth(ipv4(s[0], c[0], 6, tcp(s[1], c[1], 5001, 1001, ACK, first)))))
    # A response to a NOTIFY (opcode 4): counted, not stored.
    r = Dns(9, 0xA400, 1, 0)
    r.question("example.net", 6)
    packets.append(dns_udp(9, r.buf, 9))
    write_pcap("dns.pcap", 1, packets)


def http_fixture():
    server, client = "10.0.0.1", "10.0.0.9"
    head = (b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nX-Powered-By: PHP/7.4.3\r\n"
            b"Content-Type: text/html\r\nContent-Length: 5\r\n\r\n")
    body = b"hello"
    data = head + body
    packets = [
        (T0, 0, eth(ipv4(client, server, 6, tcp(50000, 80, 100, 0, SYN)))),
        (T0, 1000, eth(ipv4(server, client, 6, tcp(80, 50000, 7000, 101, SYN | ACK)))),
        (T0, 2000, eth(ipv4(client, server, 6, tcp(50000, 80, 101, 7001, ACK | PSH, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")))),
    ]
    base = 7001
    pieces = [(40, 90), (0, 50), (90, len(data))]       # out of order, overlapping
    ts = 3000
    for start, end in pieces[:2]:
        packets.append((T0, ts, eth(ipv4(server, client, 6, tcp(80, 50000, base + start, 130, ACK, data[start:end])))))
        ts += 1000
    # A later copy of the first bytes with other content: the first copy wins.
    packets.append((T0, ts, eth(ipv4(server, client, 6, tcp(80, 50000, base, 130, ACK, b"X" * 30)))))
    ts += 1000
    start, end = pieces[2]
    packets.append((T0, ts, eth(ipv4(server, client, 6, tcp(80, 50000, base + start, 130, ACK | PSH, data[start:end])))))
    # Port 8080 answers a SYN, then a response arrives on another connection whose start
    # was not captured.
    apache = b"HTTP/1.0 404 Not Found\r\nServer: Apache/2.4.41 (Ubuntu)\r\nContent-Length: 0\r\n\r\n"
    packets.append((T0 + 1, 0, eth(ipv4(client, "10.0.0.2", 6, tcp(50001, 8080, 1, 0, SYN)))))
    packets.append((T0 + 1, 1000, eth(ipv4("10.0.0.2", client, 6, tcp(8080, 50001, 9000, 2, SYN | ACK)))))
    packets.append((T0 + 1, 2000, eth(ipv4("10.0.0.2", client, 6, tcp(8080, 50002, 123456, 77, ACK | PSH, apache)))))
    # A response on a connection whose start was not captured, its three segments out of
    # order: the lowest sequence number seen becomes the start. The first to arrive is the
    # middle one, "HTTP", which is too short to be taken for the start of a response.
    lite = b"HTTP/1.1 200 OK\r\nServer: HTTPd-lite/2.0\r\nContent-Length: 0\r\n\r\n"
    cuts = [0, 25, 29, len(lite)]
    for i in (1, 2, 0):
        packets.append((T0 + 1, 3000 + i, eth(ipv4("10.0.0.4", client, 6, tcp(80, 50004, 800000 + cuts[i], 9, ACK, lite[cuts[i]:cuts[i + 1]])))))
    # SSH after a handshake: not HTTP, nothing stored.
    packets.append((T0 + 2, 0, eth(ipv4(client, "10.0.0.3", 6, tcp(50003, 22, 1, 0, SYN)))))
    packets.append((T0 + 2, 1000, eth(ipv4("10.0.0.3", client, 6, tcp(22, 50003, 500, 2, SYN | ACK)))))
    packets.append((T0 + 2, 2000, eth(ipv4("10.0.0.3", client, 6, tcp(22, 50003, 501, 2, ACK | PSH, b"SSH-2.0-OpenSSH_9.2\r\n")))))
    write_pcap("http.pcap", 1, packets)


def scan_fixture():
    """A scan seen from the scanner, in a nanosecond capture, with the awkward cases."""
    me = "192.0.2.1"
    sp = 61000
    p = []

    def add(sec, ns, frame, caplen=None):
        p.append((T0 + sec, ns, frame) if caplen is None else (T0 + sec, ns, frame, caplen))

    add(0, 123456789, eth(ipv4(me, "198.51.100.1", 6, tcp(sp, 80, 11, 0, SYN))))
    add(0, 223456789, eth(ipv4("198.51.100.1", me, 6, tcp(80, sp, 900, 12, SYN | ACK), ttl=57)))
    add(1, 0, eth(ipv4("198.51.100.1", me, 6, tcp(80, sp, 900, 12, SYN | ACK), ttl=57)))
    add(2, 0, eth(ipv4("198.51.100.1", me, 6, tcp(80, sp, 900, 12, SYN | ACK), ttl=57)))
    add(2, 1000, eth(ipv4(me, "198.51.100.1", 6, tcp(sp, 80, 12, 0, RST))))
    add(3, 0, eth(ipv4(me, "198.51.100.2", 6, tcp(sp, 443, 21, 0, SYN))))
    add(3, 1000, eth(ipv4("198.51.100.2", me, 6, tcp(443, sp, 0, 22, RST | ACK), ttl=250)))
    add(4, 0, eth(ipv4(me, "198.51.100.3", 6, tcp(sp, 22, 31, 0, SYN))))
    # IPv6: hop-by-hop options, then a first fragment holding a SYN-ACK; then a later fragment.
    hbh = bytes([44, 0]) + b"\x01\x04\0\0\0\0"
    frag_first = bytes([6, 0]) + struct.pack(">HI", 0x0001, 0x1234)
    syn_ack = tcp(8443, sp, 5000, 42, SYN | ACK)
    add(5, 0, eth(ipv6("2001:db8::1", "2001:db8::5", 6, tcp(sp, 8443, 41, 0, SYN)), 0x86DD))
    add(5, 1000, eth(ipv6("2001:db8::5", "2001:db8::1", 0, hbh + frag_first + syn_ack, 61), 0x86DD))
    frag_later = bytes([6, 0]) + struct.pack(">HI", 3 << 3, 0x1234)
    add(5, 2000, eth(ipv6("2001:db8::5", "2001:db8::1", 44, frag_later + b"\0" * 8, 61), 0x86DD))
    # IPv4 fragments of a UDP datagram: ports come from the first only.
    add(6, 0, eth(ipv4("198.51.100.9", me, 17, udp(123, 50000, b"\0" * 40)[:24], ident=77, frag=0x2000, total=44)))
    add(6, 1000, eth(ipv4("198.51.100.9", me, 17, b"\0" * 24, ident=77, frag=3)))
    # ICMP echo.
    add(7, 0, eth(ipv4(me, "198.51.100.1", 1, b"\x08\x00\0\0\0\1\0\1")))
    add(7, 1000, eth(ipv4("198.51.100.1", me, 1, b"\x00\x00\0\0\0\1\0\1")))
    # A SYN-ACK inside two VLAN tags (802.1ad outer, 802.1Q inner).
    add(8, 0, eth(ipv4(me, "198.51.100.4", 6, tcp(sp, 8080, 51, 0, SYN)), tags=((0x88A8, 200), (0x8100, 2001))))
    add(8, 1000, eth(ipv4("198.51.100.4", me, 6, tcp(8080, sp, 700, 52, SYN | ACK), ttl=60), tags=((0x88A8, 200), (0x8100, 2001))))
    # ARP.
    add(9, 0, eth(b"\0\1\x08\0\6\4\0\1" + b"\0" * 20, 0x0806))
    # A SYN-ACK captured with a short snap length: 16 of its 20 TCP header bytes.
    add(10, 0, eth(ipv4(me, "198.51.100.6", 6, tcp(sp, 25, 61, 0, SYN))))
    frame = eth(ipv4("198.51.100.6", me, 6, tcp(25, sp, 800, 62, SYN | ACK)))
    add(10, 1000, frame, 14 + 20 + 16)
    write_pcap("scan.pcap", 1, p, nano=True)
    # The same capture cut off in the middle of its last record.
    write_pcap("truncated.pcap", 1, p, nano=True, cut=10)


def link_fixtures():
    """One SYN-ACK per link type, each from its own host, all to port 80."""
    def syn_ack(src, dst="192.0.2.1"):
        return ipv4(src, dst, 6, tcp(80, 40000, 1, 2, SYN | ACK))

    write_pcap("link-null.pcap", 0, [(T0, 0, struct.pack("<I", 2) + syn_ack("10.1.0.1"))])
    v6 = ipv6("2001:db8::10", "2001:db8::1", 6, tcp(80, 40000, 1, 2, SYN | ACK))
    write_pcap("link-loop.pcap", 108, [(T0, 0, struct.pack(">I", 24) + v6)])
    sll2 = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\2\0\0\0\0\1\0\0")
    write_pcap("link-sll2.pcap", 276, [(T0, 0, sll2 + syn_ack("10.2.0.1"))])
    write_pcap("link-ipv4.pcap", 228, [(T0, 0, syn_ack("10.3.0.1"))])
    # A link type tally does not decode (USER0), cut off in its third record: both
    # warnings apply.
    write_pcap("user0-cut.pcap", 147, [(T0 + i, 0, b"\x55" * 40) for i in range(3)], cut=7)
    # Two records in the modified format: a record length off by the 8 extra header bytes
    # would misread the second.
    write_pcap("modified.pcap", 1, [(T0, 0, eth(syn_ack("10.6.0.1"))),
                                    (T0 + 1, 0, eth(syn_ack("10.6.0.2")))], modified=True)


def pcapng_two_links():
    """A pcapng whose second interface has another link type: libpcap refuses it."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    frame = eth(ipv4("10.4.0.1", "192.0.2.1", 6, tcp(80, 40000, 1, 2, SYN | ACK)))
    raw = ipv4("10.4.0.2", "192.0.2.1", 6, tcp(80, 40000, 1, 2, SYN | ACK))

    def epb(iface, data):
        us = T0 * 1000000
        return block(6, struct.pack("<IIIII", iface, us >> 32, us & 0xFFFFFFFF, len(data), len(data)) + data)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535)) + epb(0, frame)
    out += block(1, struct.pack("<HHI", 101, 0, 65535)) + epb(1, raw)
    with open(os.path.join(OUT, "two-links.pcapng"), "wb") as f:
        f.write(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    dns_fixture()
    http_fixture()
    scan_fixture()
    link_fixtures()
    pcapng_two_links()


if __name__ == "__main__":
    main()
