/* SPDX-License-Identifier: GPL-2.0 */
/*
 * khttpd.h - shared state of kHTTPd, the nooks lab's in-kernel HTTP/1.1
 * static-file server: the server object, connections, accounting.
 *
 * khttpd_main.c owns life cycle (listener kthread, one worker kthread per
 * connection, the connection list, module parameters); khttpd_http.c owns the protocol
 * (parsing one request, answering it from the document root).  Only
 * ordinary exported kernel APIs are used so the NIM can isolate the module.
 */
#ifndef KHTTPD_H
#define KHTTPD_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/types.h>

#define KHTTPD_REQ_MAX		8192	/* request head limit (bytes) */
#define KHTTPD_IO_CHUNK		32768	/* file read / send chunk */

struct khttpd_conn {
	struct list_head node;		/* the server's connection list */
	struct socket *sock;
	char *buf;			/* request bytes received, KHTTPD_REQ_MAX */
	size_t len;			/* bytes valid in buf */
	char *io;			/* file chunk buffer, KHTTPD_IO_CHUNK */
	unsigned long last_rx;		/* jiffies of the last byte received */
	struct task_struct *worker;	/* serves this connection (ref held) */
	bool done;			/* worker finished, waits to be reaped */
};

/* Counters; live_* must be zero after the last connection is freed. */
struct khttpd_stats {
	atomic_t live_conns;		/* khttpd_conn objects allocated */
	atomic_t live_bufs;		/* buffers allocated (2 per conn) */
	atomic_long_t conns;		/* connections accepted */
	atomic_long_t requests;		/* responses sent */
	atomic_long_t errors;		/* 4xx responses sent */
};

extern struct khttpd_stats khttpd_stats;
extern char *khttpd_docroot;
extern unsigned int khttpd_keepalive_s;
extern unsigned int khttpd_corrupt_every;

/* True once module exit started: workers close their connection. */
bool khttpd_stopping(void);

/* Serve requests on conn until it closes, errs, idles out or we stop. */
void khttpd_serve(struct khttpd_conn *conn);

#endif
