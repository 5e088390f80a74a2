#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# exit-status.sh N: exit with N (checks that statuses cross the channel).
exit "$1"
