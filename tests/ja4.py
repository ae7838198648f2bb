#!/usr/bin/env python3
"""ja4.py: FoxIO's JA4 client fingerprint of every ClientHello in a capture, computed here
from the bytes (pcap, Ethernet, IPv4/IPv6, TCP) with nothing of tally's: one line per TLS
connection, "CLIENT_PORT JA4", in the order the connections start.
Usage: ja4.py FILE.pcap"""
import hashlib
import struct
import sys


def packets(path):
    data = open(path, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if link == 1 and frame[12:14] == b"\x08\x00":
            ip = frame[14:]
            hl = (ip[0] & 15) * 4
            if ip[9] != 6:
                continue
            src, dst, tcp = ip[12:16], ip[16:20], ip[hl:struct.unpack(">H", ip[2:4])[0]]
        elif link == 1 and frame[12:14] == b"\x86\xdd":
            ip = frame[14:]
            if ip[6] != 6:
                continue
            src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
        else:
            continue
        if len(tcp) < 20:
            continue
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        yield (src, sport, dst, dport), seq, tcp[(tcp[12] >> 4) * 4:]


def streams(path):
    """The payload of each direction, from its lowest sequence number, without gaps."""
    segs, order = {}, []
    for key, seq, payload in packets(path):
        if payload:
            if key not in segs:
                segs[key] = {}
                order.append(key)
            segs[key].setdefault(seq, payload)
    for key in order:
        items = sorted(segs[key].items())
        base, out = items[0][0], b""
        for seq, payload in items:
            if seq - base > len(out):
                break
            out += payload[len(out) - (seq - base):]
        yield key, out


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def u16s(b):
    return [v for v in struct.unpack(">%dH" % (len(b) // 2), b[:len(b) // 2 * 2]) if not grease(v)]


def ja4(hello):
    version = struct.unpack(">H", hello[:2])[0]
    p = 34
    p += 1 + hello[p]
    n = struct.unpack(">H", hello[p:p + 2])[0]
    ciphers = u16s(hello[p + 2:p + 2 + n])
    p += 2 + n
    p += 1 + hello[p]
    exts, sigs, versions, sni, alpn = [], [], [], False, b""
    if p < len(hello):
        end = p + 2 + struct.unpack(">H", hello[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            t, n = struct.unpack(">HH", hello[p:p + 4])
            body = hello[p + 4:p + 4 + n]
            p += 4 + n
            if grease(t):
                continue
            exts.append(t)
            if t == 0:
                sni = True
            elif t == 13:
                sigs = u16s(body[2:])
            elif t == 43:
                versions = u16s(body[1:])
            elif t == 16 and len(body) > 3:
                alpn = body[3:3 + body[2]]
    if versions:
        version = max(versions)
    vname = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}.get(version, "00")
    if not alpn:
        a = "00"
    elif chr(alpn[0]).isalnum() and chr(alpn[-1]).isalnum() and alpn[0] < 128 and alpn[-1] < 128:
        a = chr(alpn[0]) + chr(alpn[-1])
    else:
        a = "%02x" % alpn[0]
        a = a[0] + ("%02x" % alpn[-1])[1]
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
    b = h(",".join("%04x" % v for v in sorted(ciphers)))
    rest = sorted(v for v in exts if v not in (0, 16))
    c = ",".join("%04x" % v for v in rest)
    if rest and sigs:
        c += "_" + ",".join("%04x" % v for v in sigs)
    return "t%s%s%02d%02d%s_%s_%s" % (vname, "d" if sni else "i", min(len(ciphers), 99),
                                      min(len(exts), 99), a, b, h(c) if rest else "000000000000")


for (src, sport, dst, dport), data in streams(sys.argv[1]):
    # a handshake record holding a ClientHello; the message may span records
    hs, p = b"", 0
    while p + 5 <= len(data) and data[p] == 22:
        n = struct.unpack(">H", data[p + 3:p + 5])[0]
        hs += data[p + 5:p + 5 + n]
        p += 5 + n
    if len(hs) >= 4 and hs[0] == 1 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
        print(sport, ja4(hs[4:4 + int.from_bytes(hs[1:4], "big")]))
