#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host-side peer of the preload stage (test/selftests/preload.sh).

preload_peer.py CTLPORT [TIMEOUT]

Listens on 198.18.0.1:CTLPORT for control connections, one after the
other, from test/selftests/preload_calls.c, and serves their commands
(one line each) until "quit" or TIMEOUT seconds. Replies are lines, some
sent later by the connection they concern:

dial HOST PORT MODE ID  connect to a guest server; "ok ID" once connected
                        (or "err ID ERRNO"), then run MODE on it
listen PORT MODE        listen on 198.18.0.1:PORT; "ok listen PORT"; every
                        connection accepted runs MODE with ID "L<PORT>"
drain ID                a "hold" connection starts reading
send ID N               write N bytes ("x") on connection ID
quit                    "bye", and exit 0

Modes:
echo       echo every byte; at EOF "eof ID N" (N bytes read), then close
hold       read nothing until "drain ID", then read to EOF: "drained ID N"
halfclose  read to EOF: "eof ID N"; then send b"bye" and close
shut       send b"x", shut the sending side down, read to EOF: "eof ID N"
"""
import socket
import sys
import threading
import time

HOST = "198.18.0.1"


class Ctl:
    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.conns = {}
        self.events = {}

    def reply(self, line):
        print("preload-peer: " + line, file=sys.stderr, flush=True)
        with self.lock:
            try:
                self.sock.sendall((line + "\n").encode())
            except OSError:
                pass

    def event(self, cid):
        return self.events.setdefault(cid, threading.Event())


def read_all(s):
    n = 0
    while True:
        try:
            b = s.recv(65536)
        except OSError:
            return n
        if not b:
            return n
        n += len(b)


def serve(ctl, s, mode, cid):
    ctl.conns[cid] = s
    try:
        if mode == "echo":
            n = 0
            while True:
                b = s.recv(65536)
                if not b:
                    break
                n += len(b)
                s.sendall(b)
            ctl.reply("eof %s %d" % (cid, n))
        elif mode == "hold":
            ctl.event(cid).wait(60)
            ctl.reply("drained %s %d" % (cid, read_all(s)))
        elif mode == "halfclose":
            ctl.reply("eof %s %d" % (cid, read_all(s)))
            s.sendall(b"bye")
        elif mode == "shut":
            s.sendall(b"x")
            s.shutdown(socket.SHUT_WR)
            ctl.reply("eof %s %d" % (cid, read_all(s)))
    except OSError as e:
        ctl.reply("reset %s %s" % (cid, e.errno))
    finally:
        s.close()


def dial(ctl, host, port, mode, cid):
    try:
        s = socket.create_connection((host, int(port)), timeout=20)
        s.settimeout(60)
    except OSError as e:
        ctl.reply("err %s %s" % (cid, e.errno))
        return
    ctl.reply("ok %s" % cid)
    serve(ctl, s, mode, cid)


def listener(ctl, port, mode):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, int(port)))
    ls.listen(16)
    ls.settimeout(60)
    ctl.reply("ok listen %s" % port)
    try:
        while True:
            s, _ = ls.accept()
            s.settimeout(60)
            threading.Thread(target=serve, daemon=True,
                             args=(ctl, s, mode, "L" + port)).start()
    except OSError:
        pass
    finally:
        ls.close()


def session(sock):
    ctl = Ctl(sock)
    f = sock.makefile("r")
    while True:
        try:
            line = f.readline()
        except OSError:
            return False
        if not line:
            return False
        w = line.split()
        if not w:
            continue
        if w[0] == "dial" and len(w) == 5:
            threading.Thread(target=dial, daemon=True,
                             args=(ctl, w[1], w[2], w[3], w[4])).start()
        elif w[0] == "listen" and len(w) == 3:
            threading.Thread(target=listener, daemon=True,
                             args=(ctl, w[1], w[2])).start()
        elif w[0] == "drain" and len(w) == 2:
            ctl.event(w[1]).set()
        elif w[0] == "send" and len(w) == 3 and w[1] in ctl.conns:
            try:
                ctl.conns[w[1]].sendall(b"x" * int(w[2]))
            except OSError as e:
                ctl.reply("reset %s %s" % (w[1], e.errno))
        elif w[0] == "quit":
            ctl.reply("bye")
            return True
        else:
            ctl.reply("what %s" % line.strip())


def main():
    port = int(sys.argv[1])
    limit = time.time() + (float(sys.argv[2]) if len(sys.argv) > 2 else 300)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, port))
    ls.listen(4)
    while time.time() < limit:
        ls.settimeout(max(1, limit - time.time()))
        try:
            s, _ = ls.accept()
        except socket.timeout:
            break
        s.settimeout(None)
        done = session(s)
        s.close()
        if done:
            return 0
    print("preload-peer: no quit before the timeout", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
