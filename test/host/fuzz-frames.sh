#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz-frames.sh ADDRESS COUNT [--seconds S] [--seed N]: malformed and
# odd IPv4/TCP frames at ADDRESS from the tap (see fuzz_frames.py).
exec python3 "$(dirname "$0")/fuzz_frames.py" "$@"
