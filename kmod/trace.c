// SPDX-License-Identifier: GPL-2.0
/*
 * The one instance of ixdp's tracepoints (trace.h): the probes read the
 * structures these headers define.
 */
#include "app.h"
#include "stack/tcp.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
