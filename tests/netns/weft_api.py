#!/usr/bin/env python3
"""Drives weftd's API over its unix socket (no weft CLI start per call), for netns tests.

  weft_api.py SOCKET allocate PREFIX N [SUBNET]   allocate PREFIX-1..N, print "id address"
                                                   as each is acknowledged (flushed at once)
Exit status 0 when all were answered 200, else 1 (the reason on stderr).
"""
import http.client
import json
import socket
import sys


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=45)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(45)
        self.sock.connect(self.path)


def main():
    sock, cmd = sys.argv[1], sys.argv[2]
    if cmd != "allocate":
        sys.exit("unknown command " + cmd)
    prefix, n = sys.argv[3], int(sys.argv[4])
    subnet = sys.argv[5] if len(sys.argv) > 5 else None
    conn = UnixConnection(sock)
    failed = 0
    for k in range(1, n + 1):
        body = {"id": f"{prefix}-{k}"}
        if subnet:
            body["subnet"] = subnet
        try:
            conn.request("POST", "/ipam/allocate", json.dumps(body))
            res = conn.getresponse()
            data = res.read()
        except OSError as e:
            print(f"{prefix}-{k}: {e}", file=sys.stderr)
            return 1
        if res.status != 200:
            print(f"{prefix}-{k}: {res.status} {data.decode()}", file=sys.stderr)
            failed += 1
            continue
        print(f"{prefix}-{k} {json.loads(data)['address']}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
