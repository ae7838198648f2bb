#!/usr/bin/env python3
"""make-conn-pcaps.py: writes the captures tests/import-pcap-conn.sh reads, as raw pcap bytes
(Ethernet, IPv4, TCP or UDP, checksums zero): states.pcap (one connection per Zeek
conn_state), idle.pcap (connections that end and go idle mid-file), evicted.pcap (a probe
answered after its SYN's state expired) and long.pcap (many connections interleaved over
minutes, with probes, for splitting with tcpdump -C).
Usage: make-conn-pcaps.py OUTDIR"""
import os
import random
import struct
import sys

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip4(text):
    return bytes(int(x) for x in text.split('.'))


class Capture:
    def __init__(self, path):
        self.out = open(path, 'wb')
        self.out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

    def frame(self, t, src, dst, proto, transport, payload=b''):
        ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(transport) + len(payload), 0, 0,
                         64, proto, 0, ip4(src), ip4(dst))
        data = b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00' + ip + transport + payload
        if len(data) < 60:
            data += b'\0' * (60 - len(data))
        sec, usec = int(t), int(round((t - int(t)) * 1e6))
        self.out.write(struct.pack('<IIII', sec, usec, len(data), len(data)) + data)

    def tcp(self, t, src, sport, dst, dport, flags, payload=b'', seq=1000, ack=0):
        header = struct.pack('>HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 1024, 0, 0)
        self.frame(t, src, dst, 6, header, payload)

    def udp(self, t, src, sport, dst, dport, payload=b'x'):
        header = struct.pack('>HHHH', sport, dport, 8 + len(payload), 0)
        self.frame(t, src, dst, 17, header, payload)

    def close(self):
        self.out.close()


A, B = '10.1.0.1', '10.2.0.2'
T0 = 1700000000


def states(path):
    c = Capture(path)
    t = T0
    # (originator port, packets: (from originator?, flags, payload))
    cases = [
        (1001, [(1, SYN, b''), (0, SYN | ACK, b''), (1, ACK, b''), (1, PSH | ACK, b'GET'),
                (0, PSH | ACK, b'OK'), (1, FIN | ACK, b''), (0, FIN | ACK, b''),
                (1, ACK, b'')]),                                        # SF ShADdFf
        (1002, [(1, SYN, b''), (0, RST | ACK, b'')]),                   # REJ Sr
        (1003, [(1, SYN, b''), (0, SYN | ACK, b''), (1, ACK, b''), (1, RST, b'')]),  # RSTO
        (1004, [(1, SYN, b''), (0, SYN | ACK, b''), (1, PSH | ACK, b'hi'),
                (0, RST, b'')]),                                        # RSTR ShDr
        (1005, [(1, SYN, b''), (1, RST, b'')]),                         # RSTOS0 SR
        (1006, [(1, SYN, b''), (1, FIN, b'')]),                         # SH SF
        (1007, [(1, SYN, b''), (0, SYN | ACK, b''), (1, ACK, b'')]),   # S1 ShA
        (1008, [(1, SYN, b''), (0, SYN | ACK, b''), (1, ACK, b''),
                (1, FIN | ACK, b'')]),                                  # S2 ShAF
        (1009, [(1, SYN, b''), (0, SYN | ACK, b''), (1, ACK, b''),
                (0, FIN | ACK, b'')]),                                  # S3 ShAf
        (1010, [(0, SYN | ACK, b''), (0, FIN | ACK, b'')]),             # SHR ^hf
        (1011, [(0, SYN | ACK, b''), (0, RST, b'')]),                   # RSTRH ^hr
        (1012, [(1, PSH | ACK, b'mid'), (0, ACK, b'')]),                # OTH Da
        (1013, [(1, SYN, b'')]),                                        # a probe, no row
    ]
    for sport, packets in cases:
        for from_orig, flags, payload in packets:
            if from_orig:
                c.tcp(t, A, sport, B, 80, flags, payload)
            else:
                c.tcp(t, B, 80, A, sport, flags, payload)
            t += 0.001
        t += 0.1
    c.udp(t, A, 5001, B, 9999)                                          # UDP S0 D
    c.udp(t + 0.01, A, 5002, B, 9999)                                   # UDP SF Dd
    c.udp(t + 0.02, B, 9999, A, 5002)
    c.close()


def idle(path):
    c = Capture(path)
    t = T0
    # A TCP connection that closes at once: the same row whatever the timeout.
    for from_orig, flags in [(1, SYN), (0, SYN | ACK), (1, ACK), (1, FIN | ACK),
                             (0, FIN | ACK), (1, ACK)]:
        if from_orig:
            c.tcp(t, A, 2001, B, 80, flags)
        else:
            c.tcp(t, B, 80, A, 2001, flags)
        t += 0.01
    # A UDP exchange, idle 100 s (past the 60 s default), then again: two rows by default.
    c.udp(T0 + 1, A, 2002, B, 53)
    c.udp(T0 + 1.1, B, 53, A, 2002)
    c.udp(T0 + 50, A, 2003, B, 123)         # other traffic moves the clock on
    c.udp(T0 + 101, A, 2002, B, 53)
    c.udp(T0 + 101.1, B, 53, A, 2002)
    # A TCP connection with a 200 s pause: one row unless TCP's timeout is under 200 s.
    c.tcp(T0 + 102, A, 2004, B, 22, SYN)
    c.tcp(T0 + 102.1, B, 22, A, 2004, SYN | ACK)
    c.tcp(T0 + 102.2, A, 2004, B, 22, ACK)
    c.tcp(T0 + 302.2, A, 2004, B, 22, PSH | ACK, b'late')
    c.tcp(T0 + 302.3, B, 22, A, 2004, RST)
    c.close()


def evicted(path):
    c = Capture(path)
    # Probes from one scanner port to port 443 of three hosts; 10.9.0.2 answers 400 s
    # later, after its SYN's state expired (TCP's timeout is 300 s): still matched.
    for i, host in enumerate(['10.9.0.1', '10.9.0.2', '10.9.0.3']):
        c.tcp(T0 + i * 0.001, A, 40000, host, 443, SYN)
    c.udp(T0 + 200, A, 3000, B, 53)         # the clock moves on
    c.tcp(T0 + 400, '10.9.0.2', 443, A, 40000, SYN | ACK)
    c.tcp(T0 + 400.001, A, 40000, '10.9.0.2', 443, RST)
    c.tcp(T0 + 401, '10.9.0.3', 443, A, 40000, RST | ACK)
    c.close()


def long_capture(path):
    """About 60,000 packets over 10 minutes: 3,000 TCP connections of 10 to 30 packets
    each, spread out in time and interleaved, 20,000 probes of which a tenth answered with
    SYN-ACK and a tenth with RST, and UDP request/response pairs."""
    rng = random.Random(9543)
    events = []
    for i in range(3000):
        port = 20000 + i
        server = '10.3.%d.%d' % (i // 250, i % 250 + 1)
        start = T0 + rng.uniform(0, 500)
        gap = rng.uniform(0.5, 20)
        n = rng.randint(10, 30)
        events.append((start, (A, port, server, 443, SYN, b'')))
        events.append((start + 0.01, (server, 443, A, port, SYN | ACK, b'')))
        for k in range(n):
            when = start + 0.02 + k * gap / n
            if k % 2:
                events.append((when, (server, 443, A, port, PSH | ACK, b'x' * (k * 7 % 300))))
            else:
                events.append((when, (A, port, server, 443, PSH | ACK, b'y' * (k * 3 % 100))))
        end = start + 0.03 + gap
        if i % 3 == 0:
            events.append((end, (A, port, server, 443, FIN | ACK, b'')))
            events.append((end + 0.01, (server, 443, A, port, FIN | ACK, b'')))
            events.append((end + 0.02, (A, port, server, 443, ACK, b'')))
        elif i % 3 == 1:
            events.append((end, (server, 443, A, port, RST, b'')))
    for i in range(20000):
        when = T0 + i * 0.025
        host = '10.%d.%d.%d' % (100 + i // 65536, i // 256 % 256, i % 256)
        events.append((when, ('10.0.0.99', 61000, host, 80, SYN, b'')))
        if i % 10 == 0:
            events.append((when + 0.05, (host, 80, '10.0.0.99', 61000, SYN | ACK, b'')))
            events.append((when + 0.051, ('10.0.0.99', 61000, host, 80, RST, b'')))
        elif i % 10 == 1:
            events.append((when + 0.05, (host, 80, '10.0.0.99', 61000, RST | ACK, b'')))
    for i in range(2000):
        when = T0 + rng.uniform(0, 590)
        events.append((when, ('10.0.0.5', 30000 + i, '10.0.0.53', 514, 'udp', b'q' * 30)))
        events.append((when + 0.002, ('10.0.0.53', 514, '10.0.0.5', 30000 + i, 'udp', b'a' * 60)))
    events.sort(key=lambda e: e[0])
    c = Capture(path)
    for when, (src, sport, dst, dport, flags, payload) in events:
        if flags == 'udp':
            c.udp(when, src, sport, dst, dport, payload)
        else:
            c.tcp(when, src, sport, dst, dport, flags, payload)
    c.close()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    states(os.path.join(out, 'states.pcap'))
    idle(os.path.join(out, 'idle.pcap'))
    evicted(os.path.join(out, 'evicted.pcap'))
    long_capture(os.path.join(out, 'long.pcap'))


if __name__ == '__main__':
    main()
