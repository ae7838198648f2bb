#!/usr/bin/env python3
"""make-scan.py: writes cloud-scan.oL, the masscan list file tally's samples and tests use.

It imitates a masscan --banners run over a cloud provider's space for 9543/tcp (plus web
ports 80 and 8080 on some hosts), on documentation and benchmark address ranges only
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15): a few dense /24s and a
long tail. Deterministic: the same file every run.
"""
import random

rng = random.Random(9543)
START = 1389312000  # 2014-01-10 00:00 UTC

dense = [("198.18.4", 182), ("198.18.77", 151), ("198.19.200", 118), ("203.0.113", 93),
         ("198.51.100", 64), ("198.19.31", 57), ("192.0.2", 41), ("198.18.130", 33),
         ("198.19.9", 28), ("198.18.250", 22), ("198.19.144", 22)]
hosts = []
for net, count in dense:
    for last in sorted(rng.sample(range(1, 255), count)):
        hosts.append(f"{net}.{last}")
taken = {net for net, _ in dense}
tail = 0
while tail < 260:
    net = f"198.{rng.choice((18, 19))}.{rng.randrange(256)}"
    if net in taken:
        continue
    taken.add(net)
    tail += 1
    for last in rng.sample(range(1, 255), rng.choice((1, 1, 1, 2, 2, 3, 4, 6))):
        hosts.append(f"{net}.{last}")

servers = [("nginx/1.4.4", 30), ("Apache/2.2.22 (Ubuntu)", 24), ("Microsoft-IIS/7.5", 14),
           ("Apache/2.4.7 (Ubuntu)", 10), ("nginx", 8), ("Jetty(8.1.14)", 5),
           ("lighttpd/1.4.33", 4), ("Apache-Coyote/1.1", 4)]
stacks = {"nginx": [("PHP/5.5.7", 10), ("PHP/5.4.23", 6), ("Express", 5), (None, 9)],
          "Apache": [("PHP/5.3.10-1ubuntu3.9", 12), ("PHP/5.5.3-1ubuntu2.1", 6), (None, 6)],
          "Microsoft-IIS": [("ASP.NET", 11), (None, 3)],
          "Jetty": [("Servlet/3.0; JBoss-7", 2), (None, 3)],
          "lighttpd": [("PHP/5.4.4", 2), (None, 2)],
          "Apache-Coyote": [("Servlet 2.5; JBoss-5.0/JBossWeb-2.1", 2), (None, 2)]}


def pick(weighted):
    total = sum(w for _, w in weighted)
    r = rng.uniform(0, total)
    for value, w in weighted:
        r -= w
        if r <= 0:
            return value
    return weighted[-1][0]


def escape(text):
    out = []
    for ch in text.encode():
        if ch < 0x20 or ch > 0x7e or chr(ch) in "<>&\\\"'":
            out.append("\\x%02x" % ch)
        else:
            out.append(chr(ch))
    return "".join(out)


lines = []
rng.shuffle(hosts)
web = set(rng.sample(hosts, 120))
for i, ip in enumerate(hosts):
    t = START + i // 7
    lines.append(f"open tcp 9543 {ip} {t}")
    if ip in web:
        port = rng.choice((80, 80, 80, 8080))
        lines.append(f"open tcp {port} {ip} {t}")
        server = pick(servers)
        product = server.split("/")[0].split("(")[0]
        powered = pick(stacks.get(product, [(None, 1)]))
        head = f"HTTP/1.1 200 OK\r\nDate: Fri, 10 Jan 2014 08:00:00 GMT\r\nServer: {server}\r\n"
        if powered:
            head += f"X-Powered-By: {powered}\r\n"
        if product == "Microsoft-IIS" and powered:
            head += "X-AspNet-Version: 4.0.30319\r\n"
        head += "Content-Type: text/html\r\nConnection: close\r\n\r"
        lines.append(f"banner tcp {port} {ip} {t + 2} http.server {escape(server)}")
        lines.append(f"banner tcp {port} {ip} {t + 2} http {escape(head)}")
        lines.append(f"banner tcp {port} {ip} {t + 2} title Welcome")
for i in range(12):
    ip = rng.choice(hosts)
    lines.append(f"banner tcp 22 {ip} {START + 900 + i} ssh SSH-2.0-OpenSSH_6.2p2 Ubuntu-6")
    lines.append(f"open tcp 22 {ip} {START + 900 + i}")
for i in range(5):
    lines.append(f"closed tcp 9543 {rng.choice(hosts)} {START + 950 + i}")

with open("cloud-scan.oL", "w") as f:
    f.write("#masscan\n")
    f.write("\n".join(lines) + "\n")
    f.write("# end\n")
