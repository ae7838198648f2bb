#!/usr/bin/env python3
"""make-mmdb.py: writes a small MaxMind DB file (the published MaxMind DB format 2.0: an
IPv6 search tree of 24-bit records with IPv4 at ::/96 and its ::ffff:0:0/96 alias, a data
section, the metadata) holding a few AS or country networks, for the mmdb importer's tests.
Usage: make-mmdb.py asn|country OUT.mmdb"""
import ipaddress
import struct
import sys


def ctrl(kind, size):
    """Control byte(s) of a field of type kind (1..15) and size (< 285)."""
    assert size < 285
    small = size if size < 29 else 29
    out = bytes([(kind if kind <= 7 else 0) << 5 | small])
    if kind > 7:
        out += bytes([kind - 7])
    if size >= 29:
        out += bytes([size - 29])
    return out


def enc(value):
    if isinstance(value, dict):
        out = ctrl(7, len(value))
        for k, v in value.items():
            out += enc(k) + enc(v)
        return out
    if isinstance(value, str):
        b = value.encode()
        return ctrl(2, len(b)) + b
    if isinstance(value, tuple):            # ("u16" | "u32" | "u64", n)
        width = {"u16": 2, "u32": 4, "u64": 8}[value[0]]
        kind = {"u16": 5, "u32": 6, "u64": 9}[value[0]]
        b = value[1].to_bytes(width, "big").lstrip(b"\0")
        return ctrl(kind, len(b)) + b
    if isinstance(value, list):
        out = ctrl(11, len(value))
        for v in value:
            out += enc(v)
        return out
    raise TypeError(value)


def bits_of(net):
    n = ipaddress.ip_network(net)
    if n.version == 4:
        value, length = int(n.network_address), 96 + n.prefixlen
    else:
        value, length = int(n.network_address), n.prefixlen
    return [(value >> (127 - i)) & 1 for i in range(length)]


def build(kind, networks):
    root = {}
    for net, data in networks:
        node = root
        path = bits_of(net)
        for b in path[:-1]:
            node = node.setdefault(b, {})
        node[path[-1]] = ("data", data)
    # Number the nodes breadth first; the IPv4 subtree's root is found by 96 zero bits.
    nodes, queue = [], [root]
    while queue:
        n = queue.pop(0)
        nodes.append(n)
        for b in (0, 1):
            if isinstance(n.get(b), dict):
                queue.append(n[b])
    ids = {id(n): i for i, n in enumerate(nodes)}
    v4 = root
    for _ in range(96):
        v4 = v4[0]
    # The alias ::ffff:0:0/96 leads to the IPv4 subtree, as MaxMind's writer makes it.
    alias = root
    path = [0] * 80 + [1] * 16
    added = []
    for b in path[:-1]:
        if b not in alias:
            alias[b] = {}
            added.append(alias[b])
        alias = alias[b]
    alias[path[-1]] = ("node", v4)
    for n in added:
        nodes.append(n)
        ids[id(n)] = len(nodes) - 1
    count = len(nodes)
    data = b""
    offsets = {}
    tree = b""
    for n in nodes:
        rec = []
        for b in (0, 1):
            child = n.get(b)
            if child is None:
                rec.append(count)
            elif isinstance(child, dict):
                rec.append(ids[id(child)])
            elif child[0] == "node":
                rec.append(ids[id(child[1])])
            else:
                key = repr(child[1])
                if key not in offsets:
                    offsets[key] = len(data)
                    data += enc(child[1])
                rec.append(count + 16 + offsets[key])
        tree += rec[0].to_bytes(3, "big") + rec[1].to_bytes(3, "big")
    meta = {
        "binary_format_major_version": ("u16", 2),
        "binary_format_minor_version": ("u16", 0),
        "build_epoch": ("u64", 1700000000),
        "database_type": "Tally-Test-" + ("ASN" if kind == "asn" else "Country"),
        "description": {"en": "tally test fixture"},
        "ip_version": ("u16", 6),
        "languages": ["en"],
        "node_count": ("u32", count),
        "record_size": ("u16", 24),
    }
    return tree + b"\0" * 16 + data + b"\xab\xcd\xefMaxMind.com" + enc(meta)


ASN = [("1.0.0.0/24", {"autonomous_system_number": ("u32", 13335),
                       "autonomous_system_organization": "CLOUDFLARENET"}),
       ("3.5.140.0/22", {"autonomous_system_number": ("u32", 16509),
                         "autonomous_system_organization": "AMAZON-02"}),
       ("3.5.144.0/22", {"autonomous_system_number": ("u32", 16509),
                         "autonomous_system_organization": "AMAZON-02"}),
       ("2600:1f14::/35", {"autonomous_system_number": ("u32", 16509),
                           "autonomous_system_organization": "AMAZON-02"})]
COUNTRY = [("1.0.0.0/24", {"country": {"iso_code": "AU"}}),
           ("3.5.140.0/22", {"country": {"iso_code": "KR"}}),
           ("130.61.0.0/16", {"country": {"iso_code": "DE"}}),
           ("2600:1f14::/35", {"country": {"iso_code": "US"}})]

if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    with open(out, "wb") as f:
        f.write(build(kind, ASN if kind == "asn" else COUNTRY))
