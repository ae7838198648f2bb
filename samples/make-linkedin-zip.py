#!/usr/bin/env python3
"""make-linkedin-zip.py: builds samples/linkedin-export.zip, a LinkedIn data export as
LinkedIn sends it, from the CSV files under samples/linkedin/. The zip is reproducible:
entries in a fixed order, a fixed time stamp and permissions, deflate at a fixed level.

Usage: python3 samples/make-linkedin-zip.py   (from anywhere)"""
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "linkedin")
TARGET = os.path.join(HERE, "linkedin-export.zip")
STAMP = (2024, 3, 25, 12, 0, 0)


def main():
    names = []
    for folder, _, files in os.walk(SOURCE):
        for name in files:
            if name.endswith(".csv"):
                path = os.path.join(folder, name)
                names.append(os.path.relpath(path, SOURCE).replace(os.sep, "/"))
    with zipfile.ZipFile(TARGET, "w") as archive:
        for name in sorted(names):
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            with open(os.path.join(SOURCE, name), "rb") as f:
                archive.writestr(info, f.read(), compresslevel=9)
    print("wrote %s (%d files)" % (os.path.relpath(TARGET), len(names)))


main()
