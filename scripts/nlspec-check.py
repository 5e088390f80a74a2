#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the uapi header and the netlink YAML spec agree.

  scripts/nlspec-check.py [SPEC [HEADER]]

SPEC (Documentation/netlink/specs/ixdp.yaml) describes the "ixdp" generic
netlink family in the kernel's genetlink-legacy format; HEADER
(include/uapi/linux/ixdp.h) is what programs compile against. This checks
that both name the same things with the same numbers:

  - the family name and version (c-family-name, c-version-name, version);
  - the multicast groups (IXDP_MCGRP_* strings);
  - the commands (operations: enum-name, name-prefix, values);
  - every attribute set (enum-name, name-prefix, attribute names and
    values, attr-cnt-name and attr-max-name);
  - the enum and flags definitions.

A C enum entry the spec does not have, or the other way round, is an
error, as is any value that differs. Exit status 0 if all agree, 1 and
one line per difference otherwise.
"""
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def c_name(s):
    return s.upper().replace('-', '_')


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


def c_enums(text):
    """Every named enum of @text: {name: [(entry, value), ...]}."""
    enums = {}
    for m in re.finditer(r'enum\s+(\w+)\s*\{(.*?)\}\s*;', text, re.S):
        values, entries, nxt = {}, [], 0
        for item in m.group(2).split(','):
            item = item.strip()
            if not item:
                continue
            name, _, expr = item.partition('=')
            name = name.strip()
            if expr.strip():
                nxt = int(eval(expr, {'__builtins__': {}}, values))
            values[name] = nxt
            entries.append((name, nxt))
            nxt += 1
        enums[m.group(1)] = entries
    return enums


def c_defines(text):
    defs = {}
    for m in re.finditer(r'^#define\s+(\w+)\s+(.+?)\s*$', text, re.M):
        defs[m.group(1)] = m.group(2)
    return defs


def define_value(defs, name):
    expr = defs[name]
    expr = re.sub(r'\b(\d+)U?L{0,2}\b', r'\1', expr)
    return eval(expr, {'__builtins__': {}},
                {k: define_value(defs, k) for k in re.findall(r'[A-Z_]\w+', expr)
                 if k in defs})


class Checker:
    def __init__(self, spec, header):
        self.errors = []
        text = open(header).read()
        self.defs = c_defines(text)
        self.enums = c_enums(strip_comments(text))

    def err(self, msg):
        self.errors.append(msg)

    def compare(self, what, enum_name, want, allow_missing=()):
        """@want: [(C name, value)] the spec gives for C enum @enum_name."""
        if enum_name not in self.enums:
            self.err('%s: no enum %s in the header' % (what, enum_name))
            return
        have = dict(self.enums[enum_name])
        wanted = dict(want)
        for name, value in want:
            if name not in have:
                self.err('%s: %s (= %d) is in the spec, not in enum %s' %
                         (what, name, value, enum_name))
            elif have[name] != value:
                self.err('%s: %s is %d in the header, %d in the spec' %
                         (what, name, have[name], value))
        for name, value in self.enums[enum_name]:
            if name not in wanted and name not in allow_missing:
                self.err('%s: %s (= %d) of enum %s is not in the spec' %
                         (what, name, value, enum_name))

    def string_define(self, what, name, value):
        got = self.defs.get(name)
        if got != '"%s"' % value:
            self.err('%s: %s is %s in the header, "%s" in the spec' %
                     (what, name, got, value))

    def family(self, spec):
        self.string_define('family', c_name(spec['c-family-name']),
                           spec['name'])
        ver = c_name(spec['c-version-name'])
        if ver not in self.defs or define_value(self.defs, ver) != \
                spec.get('version', 1):
            self.err('family: %s is %s in the header, %s in the spec' %
                     (ver, self.defs.get(ver), spec.get('version', 1)))

    def mcast_groups(self, spec):
        groups = [g['name'] for g in spec['mcast-groups']['list']]
        have = {v.strip('"') for k, v in self.defs.items()
                if k.startswith('IXDP_MCGRP_')}
        if set(groups) != have:
            self.err('mcast-groups: the spec has %s, the header %s' %
                     (sorted(groups), sorted(have)))

    def operations(self, spec):
        ops = spec['operations']
        prefix = c_name(ops['name-prefix'])
        want, value = [], 1
        for op in ops['list']:
            value = op.get('value', value)
            want.append((prefix + c_name(op['name']), value))
            value += 1
        last = want[-1][1]
        want += [('__' + prefix + 'MAX', last + 1), (prefix + 'MAX', last)]
        self.compare('operations', c_name(ops['enum-name']).lower(), want,
                     allow_missing=(prefix + 'UNSPEC',))

    def attribute_sets(self, spec):
        names = {s['name'] for s in spec['attribute-sets']}
        for aset in spec['attribute-sets']:
            what = 'attribute-set %s' % aset['name']
            prefix = c_name(aset['name-prefix'])
            want, value = [], 1
            for attr in aset['attributes']:
                value = attr.get('value', value)
                want.append((prefix + c_name(attr['name']), value))
                value += 1
                nested = attr.get('nested-attributes')
                if nested and nested not in names:
                    self.err('%s: %s nests the unknown set %s' %
                             (what, attr['name'], nested))
            last = want[-1][1]
            want.append((c_name(aset['attr-cnt-name']), last + 1))
            want.append((c_name(aset['attr-max-name']), last))
            self.compare(what, c_name(aset['enum-name']).lower(), want)

    def definitions(self, spec):
        for d in spec.get('definitions', []):
            what = 'definition %s' % d['name']
            prefix = c_name(d.get('name-prefix', d['name'] + '-'))
            entries = [e if isinstance(e, str) else e['name']
                       for e in d['entries']]
            if d['type'] == 'enum':
                want = [(prefix + c_name(e), i) for i, e in enumerate(entries)]
                self.compare(what, c_name(d['enum-name']).lower(), want)
            elif d['type'] == 'flags':
                for i, e in enumerate(entries):
                    name = prefix + c_name(e)
                    if name not in self.defs:
                        self.err('%s: no #define %s' % (what, name))
                    elif define_value(self.defs, name) != 1 << i:
                        self.err('%s: %s is not bit %d' % (what, name, i))

    def run(self, spec):
        self.family(spec)
        self.mcast_groups(spec)
        self.operations(spec)
        self.attribute_sets(spec)
        self.definitions(spec)
        return self.errors


def main():
    spec_path = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(ROOT, 'Documentation/netlink/specs/ixdp.yaml')
    header = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(ROOT, 'include/uapi/linux/ixdp.h')
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    errors = Checker(spec, header).run(spec)
    for e in errors:
        print('nlspec-check: %s' % e)
    nsets = len(spec['attribute-sets'])
    nops = len(spec['operations']['list'])
    if errors:
        print('nlspec-check: %d differences between %s and %s' %
              (len(errors), os.path.relpath(spec_path, ROOT),
               os.path.relpath(header, ROOT)))
        return 1
    print('nlspec-check: %s matches %s (%d commands, %d attribute sets)' %
          (os.path.relpath(header, ROOT), os.path.relpath(spec_path, ROOT),
           nops, nsets))
    return 0


if __name__ == '__main__':
    sys.exit(main())
