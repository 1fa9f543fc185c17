#!/usr/bin/env python3
"""Writes a .deb with arbitrary (also hostile) data.tar members, which
dpkg-deb refuses to build.  Used by the tests to check that livec keeps
every package inside the staging root.

usage: mkdeb.py OUT.deb CONTROL-FILE ENTRY...
ENTRY: d:PATH | f:PATH=TEXT | l:PATH->TARGET | x:PATH=HOSTFILE (an executable
with the bytes of HOSTFILE) | p:PATH (a FIFO) | c:PATH (the character
device 1,3) | z:PATH=MIB (MIB MiB of zeros; the data member is then
xz-compressed, as a compression bomb would be)   (paths used verbatim)"""
import io
import sys
import tarfile
import time

EPOCH = 1700000000


def tar(members, comp="gz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:" + comp, format=tarfile.GNU_FORMAT) as t:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = EPOCH
            if kind == "d":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            elif kind == "l":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, data, 0o777
                t.addfile(info)
            elif kind == "p":
                info.type, info.mode = tarfile.FIFOTYPE, 0o644
                t.addfile(info)
            elif kind == "c":
                info.type, info.mode, info.devmajor, info.devminor = tarfile.CHRTYPE, 0o666, 1, 3
                t.addfile(info)
            elif kind == "x":
                with open(data, "rb") as f:
                    raw = f.read()
                info.size, info.mode = len(raw), 0o755
                t.addfile(info, io.BytesIO(raw))
            elif kind == "z":
                info.size, info.mode = int(data) << 20, 0o644
                t.addfile(info, io.BytesIO(bytes(info.size)))
            else:
                raw = data.encode()
                info.size, info.mode = len(raw), 0o755 if name.endswith("inst") else 0o644
                t.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


def ar_member(name, data):
    head = f"{name:<16}{EPOCH:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
    return head + data + (b"\n" if len(data) % 2 else b"")


out, control = sys.argv[1], sys.argv[2]
ctrl = [("d", "./", None), ("f", "./control", open(control).read())]
for script in ("preinst", "postinst", "triggers"):
    try:
        ctrl.append(("f", "./" + script, open(control + "." + script).read()))
    except FileNotFoundError:
        pass
data = [("d", "./", None)]
for spec in sys.argv[3:]:
    kind, rest = spec.split(":", 1)
    if kind in ("f", "x", "z"):
        path, text = rest.split("=", 1)
        data.append((kind, path, text))
    elif kind == "l":
        path, target = rest.split("->", 1)
        data.append(("l", path, target))
    elif kind in ("p", "c"):
        data.append((kind, rest, None))
    else:
        data.append(("d", rest, None))
with open(out, "wb") as f:
    f.write(b"!<arch>\n")
    f.write(ar_member("debian-binary", b"2.0\n"))
    f.write(ar_member("control.tar.gz", tar(ctrl)))
    comp = "xz" if any(kind == "z" for kind, _, _ in data) else "gz"
    f.write(ar_member("data.tar." + comp, tar(data, comp)))
