#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Writes the metric traces that test_policy.c replays: what ixdpd would
# read from a dataplane running on all 4 cores (the static maximum), with
# flow groups spread evenly, every 100 ms: per core the busy and idle time
# and the frames handled since the previous sample.
#
#   diurnal.csv  a day squeezed into 60 s: 0.25 to 3.2 cores of work
#   bursty.csv   0.6 cores of base load and bursts of 1-4 s of +1.5-2.5
#   flash.csv    a flash crowd: a step to 3.5 cores for 10 s
#
# Deterministic: its own generator, no dependence on Python's random.
# Run from anywhere: python3 test/unit/traces/gen.py
import math
import os

NCORES = 4
SAMPLES = 600
PERIOD_US = 100000
FRAME_NS = 2000                 # mean work per frame


class Lcg:
    def __init__(self, seed):
        self.x = seed & (2**64 - 1)

    def uniform(self):
        """A number in [0, 1)."""
        self.x = (self.x * 6364136223846793005 + 1442695040888963407) \
            % 2**64
        return (self.x >> 11) / float(2**53)


def diurnal(rng, t, i):
    day = (1 - math.cos(2 * math.pi * t / 60.0)) / 2
    return 0.25 + 2.95 * day


def make_bursty():
    rng = Lcg(7)
    bursts = []
    t = 2.0
    while t < 60.0:
        length = 1.0 + 3.0 * rng.uniform()
        bursts.append((t, t + length, 1.5 + rng.uniform()))
        t += length + 3.0 + 6.0 * rng.uniform()

    def load(rng, t, i):
        extra = sum(h for (a, b, h) in bursts if a <= t < b)
        return 0.6 + extra
    return load


def flash(rng, t, i):
    return 3.5 if 20.0 <= t < 30.0 else 0.4


def write(name, load, seed):
    rng = Lcg(seed)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    cols = ['time_us']
    for c in range(NCORES):
        cols += ['c%d_busy_ns' % c, 'c%d_idle_ns' % c, 'c%d_frames' % c]
    t_us = 0
    with open(path, 'w') as f:
        f.write(','.join(cols) + '\n')
        for i in range(SAMPLES):
            # the daemon's timer is a little late, at times
            dt_us = PERIOD_US + int(3000 * rng.uniform())
            t_us += dt_us
            period_ns = dt_us * 1000
            total = load(rng, t_us / 1e6, i) * (0.95 + 0.1 * rng.uniform())
            row = [str(t_us)]
            for c in range(NCORES):
                share = total / NCORES * (0.97 + 0.06 * rng.uniform())
                busy = min(period_ns, int(share * period_ns))
                cost = FRAME_NS * (0.9 + 0.2 * rng.uniform())
                row += [str(busy), str(period_ns - busy),
                        str(int(busy / cost))]
            f.write(','.join(row) + '\n')


write('diurnal.csv', diurnal, 1)
write('bursty.csv', make_bursty(), 2)
write('flash.csv', flash, 3)
