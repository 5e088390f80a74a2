#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that kmod/ is a strict stack of layers (Documentation/layers.rst).

After the module build, read every object's defined and undefined symbols
(nm) and fail when an object uses a symbol that an object of a higher
layer defines, or when an object is missing from the table. Objects of
the same layer may use each other (the cycles this allows are listed as
notes). Symbols no kmod object defines come from the kernel and are not
checked.

  scripts/layers.py [--objdir DIR]   check (default: the source tree)
  scripts/layers.py --table          print the table
"""
import argparse
import glob
import os
import subprocess
import sys

# (layer, objects, responsibility), lowest first. A file may use the
# files of its own layer and of every layer below it, nothing above.
# Documentation/layers.rst describes the same table: change both.
LAYERS = [
    (0, ["stack/*", "trace"], "portable TCP/IP stack (ix_*); stack/plat.h is its "
                              "contract; the tracepoints (trace.h), used by every layer"),
    (1, ["config", "grant", "stats"],
     "tunables; listen and connect grants (pure state); counter snapshots"),
    (2, ["tx"], "frame -> skb -> __dev_direct_xmit, transmit backlog"),
    (3, ["core"], "dataplane core: kthread loop, call mailbox, hold queue, "
                  "sleep/wake, client dispatch through struct ixdp_core_client_ops"),
    (4, ["rx", "port"], "receive handler (classify, hand off); netdev attach, "
                        "receive map, RSS table"),
    (5, ["responder", "app", "app_cmd", "app_conn", "app_route", "app_event",
         "app_table", "app_loop", "app_listen", "app_account", "app_run",
         "app_move"],
     "clients of a core: built-in echo; application contexts"),
    (6, ["fgmove"], "flow-group move protocol and balance; reports through a callback"),
    (7, ["ctl"], "control lock; add, delete, park a core; rebalance; CPU hotplug"),
    (8, ["netlink", "netlink_dp", "netlink_move", "netlink_grant", "chardev"],
     "user interfaces: genl family (announcements included), /dev/ixdp"),
    (9, ["main"], "module init and exit, in mirrored order"),
]


def layer_of(obj):
    """The layer of kmod object @obj ("core", "stack/tcp"), or None."""
    for layer, names, _ in LAYERS:
        for name in names:
            if name.endswith("/*") and obj.startswith(name[:-1]):
                return layer
            if obj == name:
                return layer
    return None


def symbols(path):
    """(defined, undefined) global symbols of one object."""
    out = subprocess.run(["nm", path], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRGSVW":
            defined.add(parts[2])
    return defined, undefined


def cycles(graph):
    """Strongly connected components of more than one object (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def print_table():
    for layer, names, what in LAYERS:
        below = "nothing" if layer == 0 else "layers 0-%d" % (layer - 1)
        print("%d  %-52s %s (may use: own layer, %s)" %
              (layer, ", ".join(names), what, below))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objdir", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--table", action="store_true")
    args = ap.parse_args()
    if args.table:
        print_table()
        return 0

    kmod = os.path.join(args.objdir, "kmod")
    paths = sorted(glob.glob(os.path.join(kmod, "*.o")) +
                   glob.glob(os.path.join(kmod, "stack", "*.o")))
    paths = [p for p in paths if not p.endswith(".mod.o")]
    if not paths:
        print("layers: no objects under %s: build the module first" % kmod)
        return 1

    objs, errors = {}, []
    for p in paths:
        name = os.path.relpath(p, kmod)[:-2]
        layer = layer_of(name)
        if layer is None:
            errors.append("%s.o is not in the layer table (scripts/layers.py, "
                          "Documentation/layers.rst)" % name)
            continue
        objs[name] = (layer,) + symbols(p)

    owner = {}
    for name, (_, defined, _) in objs.items():
        for sym in defined:
            owner[sym] = name
    edges, graph = 0, {}
    for name, (layer, _, undefined) in sorted(objs.items()):
        for sym in sorted(undefined):
            callee = owner.get(sym)
            if callee is None or callee == name:
                continue
            edges += 1
            graph.setdefault(name, set()).add(callee)
            if objs[callee][0] > layer:
                errors.append("%s.o (layer %d) uses %s of %s.o (layer %d): "
                              "a call that goes up" %
                              (name, layer, sym, callee, objs[callee][0]))
    for e in errors:
        print("layers: " + e)
    # Within a layer calls may go both ways; say where they do.
    for scc in cycles(graph):
        print("layers: note: cycle within a layer: {%s}" % ", ".join(scc))
    print("layers: %d objects, %d cross-object uses, %d violations" %
          (len(objs), edges, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
