// SPDX-License-Identifier: GPL-2.0
/*
 * khttpd_main.c - life cycle of kHTTPd: module parameters, the listening
 * kernel socket, the listener kthread and one worker kthread per open
 * connection (at most max_conns), and the connection list.
 *
 * Connection life cycle (every state change under conn_lock):
 *   accepted: the listener allocates the connection, puts it on `conns`
 *     and starts its worker (a task reference is held);
 *   served: the worker runs khttpd_serve() until the peer closes, an error,
 *     the keep-alive timeout or unload;
 *   done: the worker sets c->done and waits for kthread_stop();
 *   reaped: the listener (within a second) or module exit stops the worker,
 *     takes the connection off the list and frees socket and buffers.
 * Invariants: (1) a connection is on `conns` from acceptance until reaped;
 * (2) only the listener and module exit reap, never concurrently (exit
 * stops the listener first); (3) a worker never frees its own connection,
 * so no module code runs after kthread_stop() returned.
 * Unload with connections open: stopping = true; shut down the listening
 * socket and stop the listener; shut down every connection's socket (its
 * worker leaves recvmsg/sendmsg), reap all; release the listening socket;
 * report the counters: live_conns and live_bufs must be 0.
 * Must never: hold conn_lock across socket I/O other than shutdown, touch
 * user memory, or use anything but exported kernel APIs.
 */
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>
#include "khttpd.h"

static unsigned short port = 8080;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on (default 8080)");

char *khttpd_docroot = "/srv/www";
module_param_named(docroot, khttpd_docroot, charp, 0444);
MODULE_PARM_DESC(docroot, "directory the files are served from (default /srv/www)");

static unsigned int max_conns = 64;
module_param(max_conns, uint, 0444);
MODULE_PARM_DESC(max_conns, "connections open at once; more are closed (default 64)");

unsigned int khttpd_keepalive_s = 15;
module_param_named(keepalive, khttpd_keepalive_s, uint, 0644);
MODULE_PARM_DESC(keepalive, "idle seconds before a keep-alive connection is closed (15)");

unsigned int khttpd_corrupt_every;
module_param_named(corrupt_every, khttpd_corrupt_every, uint, 0644);
MODULE_PARM_DESC(corrupt_every,
		 "test hook: flip one body byte in every Nth response (0 = off)");

struct khttpd_stats khttpd_stats;

static struct socket *listen_sock;
static struct task_struct *listener;
static DEFINE_MUTEX(conn_lock);
static LIST_HEAD(conns);
static unsigned int n_open;
static bool stopping;

bool khttpd_stopping(void)
{
	return READ_ONCE(stopping);
}

static int stats_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "conns=%ld requests=%ld errors=%ld live_conns=%d live_bufs=%d\n",
			  atomic_long_read(&khttpd_stats.conns),
			  atomic_long_read(&khttpd_stats.requests),
			  atomic_long_read(&khttpd_stats.errors),
			  atomic_read(&khttpd_stats.live_conns),
			  atomic_read(&khttpd_stats.live_bufs));
}

static const struct kernel_param_ops stats_ops = { .get = stats_get };
module_param_cb(stats, &stats_ops, NULL, 0444);
MODULE_PARM_DESC(stats, "counters (read-only)");

static void *buf_alloc(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	if (p)
		atomic_inc(&khttpd_stats.live_bufs);
	return p;
}

static void buf_free(void *p)
{
	if (!p)
		return;
	kfree(p);
	atomic_dec(&khttpd_stats.live_bufs);
}

static struct khttpd_conn *conn_alloc(struct socket *sock)
{
	struct khttpd_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	atomic_inc(&khttpd_stats.live_conns);
	c->buf = buf_alloc(KHTTPD_REQ_MAX);
	c->io = buf_alloc(KHTTPD_IO_CHUNK);
	if (!c->buf || !c->io) {
		buf_free(c->buf);
		buf_free(c->io);
		kfree(c);
		atomic_dec(&khttpd_stats.live_conns);
		return NULL;
	}
	c->sock = sock;
	c->last_rx = jiffies;
	INIT_LIST_HEAD(&c->node);
	return c;
}

/* Free a connection that is on no list any more. */
static void conn_free(struct khttpd_conn *c)
{
	sock_release(c->sock);
	buf_free(c->buf);
	buf_free(c->io);
	kfree(c);
	atomic_dec(&khttpd_stats.live_conns);
}

static void sock_set_timeouts(struct socket *sock, long rcv, long snd)
{
	lock_sock(sock->sk);
	sock->sk->sk_rcvtimeo = rcv;
	sock->sk->sk_sndtimeo = snd;
	release_sock(sock->sk);
}

static int worker_fn(void *data)
{
	struct khttpd_conn *c = data;

	khttpd_serve(c);
	/* the client sees the close now, not when the listener reaps c
	 * (up to its 1 s accept timeout later) */
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	WRITE_ONCE(c->done, true);
	/* wait to be reaped: the reaper frees c, never this thread */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Stop the worker of c (if any), then free c; c is on no list. */
static void conn_reap(struct khttpd_conn *c)
{
	if (c->worker) {
		kthread_stop(c->worker);
		put_task_struct(c->worker);
	}
	conn_free(c);
}

/* Reap the connections whose worker is done (listener only). */
static void reap_done(void)
{
	struct khttpd_conn *c, *tmp;
	LIST_HEAD(done);

	mutex_lock(&conn_lock);
	list_for_each_entry_safe(c, tmp, &conns, node)
		if (READ_ONCE(c->done)) {
			list_move(&c->node, &done);
			n_open--;
		}
	mutex_unlock(&conn_lock);
	list_for_each_entry_safe(c, tmp, &done, node) {
		list_del_init(&c->node);
		conn_reap(c);
	}
}

static void accept_one(struct socket *ns)
{
	struct khttpd_conn *c;
	struct task_struct *t;

	/* 1 s receive timeout: the worker re-checks idle and stop conditions */
	sock_set_timeouts(ns, HZ, 5 * HZ);
	tcp_sock_set_nodelay(ns->sk);
	c = conn_alloc(ns);
	if (!c) {
		sock_release(ns);
		return;
	}
	mutex_lock(&conn_lock);
	if (n_open >= max_conns) {
		mutex_unlock(&conn_lock);
		conn_free(c);
		return;
	}
	t = kthread_create(worker_fn, c, "khttpd/c%ld",
			   atomic_long_read(&khttpd_stats.conns));
	if (IS_ERR(t)) {
		mutex_unlock(&conn_lock);
		conn_free(c);
		return;
	}
	get_task_struct(t);
	c->worker = t;
	n_open++;
	list_add_tail(&c->node, &conns);
	mutex_unlock(&conn_lock);
	atomic_long_inc(&khttpd_stats.conns);
	wake_up_process(t);
}

static int listener_fn(void *unused)
{
	while (!kthread_should_stop()) {
		struct socket *ns = NULL;
		int err = kernel_accept(listen_sock, &ns, 0);

		reap_done();
		if (err) {
			if (err != -EAGAIN)
				msleep(20);	/* shut down or -ENOMEM: do not spin */
			continue;
		}
		if (khttpd_stopping())
			sock_release(ns);
		else
			accept_one(ns);
	}
	return 0;
}

static int listen_start(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(port),
	};
	int err;

	err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_TCP, &listen_sock);
	if (err)
		return err;
	sock_set_reuseaddr(listen_sock->sk);
	err = kernel_bind(listen_sock, (struct sockaddr *)&sin, sizeof(sin));
	if (!err)
		err = kernel_listen(listen_sock, 32);
	if (err) {
		sock_release(listen_sock);
		listen_sock = NULL;
		return err;
	}
	sock_set_timeouts(listen_sock, HZ, HZ);
	return 0;
}

static int __init khttpd_init(void)
{
	int err;

	if (!max_conns) {
		pr_err("khttpd: invalid max_conns=0\n");
		return -EINVAL;
	}
	if (!khttpd_docroot || khttpd_docroot[0] != '/') {
		pr_err("khttpd: docroot must be an absolute path\n");
		return -EINVAL;
	}
	err = listen_start();
	if (err) {
		pr_err("khttpd: cannot listen on port %u: %d\n", port, err);
		return err;
	}
	listener = kthread_run(listener_fn, NULL, "khttpd/listen");
	if (IS_ERR(listener)) {
		sock_release(listen_sock);
		return PTR_ERR(listener);
	}
	pr_info("khttpd: listening on port %u, docroot %s, max %u connections\n", port,
		khttpd_docroot, max_conns);
	return 0;
}

static void __exit khttpd_exit(void)
{
	struct khttpd_conn *c, *tmp;
	unsigned int open = 0;
	LIST_HEAD(all);

	WRITE_ONCE(stopping, true);
	kernel_sock_shutdown(listen_sock, SHUT_RDWR);
	kthread_stop(listener);
	mutex_lock(&conn_lock);
	list_for_each_entry(c, &conns, node) {
		if (!READ_ONCE(c->done))
			open++;
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
	}
	list_splice_init(&conns, &all);
	n_open = 0;
	mutex_unlock(&conn_lock);
	list_for_each_entry_safe(c, tmp, &all, node) {
		list_del_init(&c->node);
		conn_reap(c);
	}
	sock_release(listen_sock);
	pr_info("khttpd: unloaded: closed %u open connections; served %ld connections, %ld requests; outstanding: %d connections, %d buffers\n",
		open, atomic_long_read(&khttpd_stats.conns),
		atomic_long_read(&khttpd_stats.requests),
		atomic_read(&khttpd_stats.live_conns), atomic_read(&khttpd_stats.live_bufs));
}

module_init(khttpd_init);
module_exit(khttpd_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kHTTPd: in-kernel HTTP/1.1 static file server (nooks lab)");
