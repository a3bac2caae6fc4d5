// SPDX-License-Identifier: GPL-2.0
/*
 * nooks_sock.c - wrappers for extensions that use kernel sockets, files
 * and their own kthreads (khttpd): tracked sockets and files, and the
 * calls that block on the domain's behalf.
 *
 * Sockets (sock_create_kern, kernel_accept) and files (filp_open) are
 * tracked and released at recovery (shutdown + sock_release; filp_close).
 * A thread of the domain blocked in a wrapper (accept, recvmsg, sendmsg)
 * is registered as a `blocked` object (nooks_block_begin(), nooks_sleep.c):
 * at the fault, quiesce sets TIF_NOTIFY_SIGNAL and wakes it, so socket
 * waits end at once (signal_pending) and the wrapper's exit check unwinds
 * the thread out of the domain; its kthread then ends (nooks_shadow.c
 * kthread shadow).
 *
 * Must never: sleep in a quiesce op (atomic, under the tracking lock);
 * release a socket while a domain thread may still use it (recovery runs
 * after every thread left the domain).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <net/sock.h>
#include "nooks_wrappers.h"

/* ---- tracked sockets and files ---------------------------------------- */

static void sock_obj_release(struct nooks_obj *o)
{
	kernel_sock_shutdown(o->ptr, SHUT_RDWR);
	sock_release(o->ptr);
}

const struct nooks_obj_type nooks_obj_sock = {
	.name = "sock",
	.release = sock_obj_release,
};

static void file_obj_release(struct nooks_obj *o)
{
	filp_close(o->ptr, NULL);
}

const struct nooks_obj_type nooks_obj_file = {
	.name = "file",
	.release = file_obj_release,
};

/* ---- blocking calls --------------------------------------------------- */

/*
 * The domain may use only sockets it owns (created or accepted through
 * its wrappers): a corrupted socket pointer would have the call block on,
 * or read from, another socket.  A wrapper check fault (unwinds) if not.
 */
static void sock_check(struct nooks_domain *d, struct socket *sock,
		       const char *call, unsigned long ret_ip)
{
	char what[48];

	if (!d || nooks_owns(d, &nooks_obj_sock, sock))
		return;
	snprintf(what, sizeof(what), "%s: sock not owned", call);
	nooks_wrap_violation(d, what, sock, ret_ip);
}

int nooks_w_kernel_accept(struct socket *sock, struct socket **newsock, int flags)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	int ret;

	sock_check(d, sock, "kernel_accept", _RET_IP_);
	nooks_block_begin(d);
	ret = kernel_accept(sock, newsock, flags);
	if (d && !ret && !nooks_track(d, &nooks_obj_sock, *newsock, NULL, GFP_KERNEL)) {
		sock_release(*newsock);
		ret = -ENOMEM;
	}
	/* a failed domain never sees the new socket: it is released with it */
	nooks_block_end(d);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_kernel_accept);

int nooks_w_kernel_recvmsg(struct socket *sock, struct msghdr *msg,
			   struct kvec *vec, size_t num, size_t len, int flags)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	int ret;

	sock_check(d, sock, "kernel_recvmsg", _RET_IP_);
	nooks_block_begin(d);
	ret = kernel_recvmsg(sock, msg, vec, num, len, flags);
	nooks_block_end(d);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_kernel_recvmsg);

int nooks_w_kernel_sendmsg(struct socket *sock, struct msghdr *msg,
			   struct kvec *vec, size_t num, size_t len)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	int ret;

	sock_check(d, sock, "kernel_sendmsg", _RET_IP_);
	nooks_block_begin(d);
	ret = kernel_sendmsg(sock, msg, vec, num, len);
	nooks_block_end(d);
	nooks_wrap_leave(d);
	return ret;
}
EXPORT_SYMBOL_GPL(nooks_w_kernel_sendmsg);

/* ---- variadic allocation ---------------------------------------------- */

char *nooks_w_kasprintf(gfp_t gfp, const char *fmt, ...)
{
	struct nooks_domain *d = nooks_wrap_enter(_RET_IP_);
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = kvasprintf(gfp, fmt, ap);
	va_end(ap);
	if (d && p && !nooks_track(d, &nooks_obj_mem, p, NULL, gfp)) {
		kfree(p);
		p = NULL;
	}
	nooks_wrap_leave(d);
	return p;
}
EXPORT_SYMBOL_GPL(nooks_w_kasprintf);
