#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bad-frames.sh ADDRESS COUNT: send COUNT each of malformed IPv4/TCP
# frames to ADDRESS from the tap (see bad_frames.py).
exec python3 "$(dirname "$0")/bad_frames.py" "$@"
