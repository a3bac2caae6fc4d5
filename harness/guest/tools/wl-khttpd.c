/*
 * wl-khttpd.c - kHTTPd workload: an HTTP/1.1 client in the peer network
 * namespace (virtio-net) fetches pages from kmod/khttpd, which listens in
 * the root namespace behind the NIC under test, and checks every byte.
 *
 * Phases: pages (write the page set into the server's docroot), link (first
 * TCP connection), fetch (--requests GETs spread over --conns keep-alive
 * connections, small and large pages, every status line, Content-Length,
 * Connection header and body byte checked), errors (404, 405, HEAD, and a
 * malformed request must get 400 and a closed connection), unload (with
 * --unload 1: rmmod khttpd while --conns connections are open; the module
 * must report 0 outstanding connections and buffers, the client must see
 * its connections closed, and no TCP socket may remain in the root
 * namespace).  Metric: requests/s and MB/s of the fetch phase.
 *
 * Needs khttpd loaded (port and docroot come from its module parameters);
 * a missing module or NIC is a set-up error (exit 2), any wrong answer a
 * functional failure (exit 1).  Registers a recovery script (wl_net.h)
 * so that a driver restart of the NIC under test by the NIM gets the
 * server's address back; it does not retry phases.  A GET that fails after
 * the NIM restarted the server (a recovery completed since its connection
 * was opened: /sys/kernel/nooks/recoveries) is redone once on a new
 * connection, as a browser redoes an idempotent GET on a reset connection
 * (a connection refused while the server restarts is likewise reopened);
 * the metric "retries" counts them.  Without the NIM nothing is redone.
 * With --restart 1 (application-level failure detection) a failed GET
 * that no restart follows within 1 s asks the NIM to restart khttpd
 * (/sys/kernel/nooks/fail) first.
 */
#include "wl_common.h"

#include <sys/klog.h>
#include <sys/syscall.h>

#define MAX_CONNS 16
/*
 * A GET with no byte for this long has failed: kHTTPd answers from memory
 * within milliseconds even under TCG, and a NIM recovery takes < 1 s
 * (a GET cut by one is redone).  Was 10 s; each failing trial waited it
 * twice or more (issue 21: where a trial's time goes).
 */
#define IO_TIMEOUT_S 5

struct page {
	const char *name;
	size_t size;
	uint64_t seed;
};

static struct page pages[] = {
	{ "index.html", 2048, 11 },
	{ "small-1.txt", 512, 12 },
	{ "small-2.txt", 4096, 13 },
	{ "medium.bin", 65536, 14 },
	{ "large.bin", 1 << 20, 15 },
};

struct opts {
	const char *nic, *mode;
	unsigned long requests, conns, unload, deadline, link, large, restart;
	unsigned long port;
	char docroot[256];
};

/* What the client (peer namespace) reports back to the parent. */
struct client_report {
	int code;
	char reason[400];
	unsigned long requests;
	unsigned long long bytes;
	double secs;
	unsigned long retries;	/* requests redone after a server restart */
};

static struct opts o;
static int report_wr = -1, unload_rd = -1;

/* ---- client: buffered HTTP response reader ----------------------------- */

struct conn {
	int fd;
	char buf[16384];
	size_t off, len;
	unsigned long long gen;	/* the NIM's recovery count when it was opened */
};

static unsigned long long faults0;	/* the NIM's fault count at the start */

/* Recoveries the NIM has completed (/sys/kernel/nooks/recoveries); 0 without the NIM. */
static unsigned long long nim_recoveries(void)
{
	return wl_read_ull("/sys/kernel/nooks/recoveries");
}

/* Faults the NIM has detected (/sys/kernel/nooks/faults). */
static unsigned long long nim_faults(void)
{
	return wl_read_ull("/sys/kernel/nooks/faults");
}

static int conn_fill(struct conn *c)
{
	ssize_t r;

	if (c->off == c->len)
		c->off = c->len = 0;
	r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (r <= 0)
		return -1;
	c->len += (size_t)r;
	return 0;
}

/* Read one CRLF-terminated line (without CRLF) into line[n]. */
static int conn_line(struct conn *c, char *line, size_t n)
{
	size_t k = 0;

	for (;;) {
		while (c->off < c->len) {
			char ch = c->buf[c->off++];

			if (ch == '\n') {
				if (k && line[k - 1] == '\r')
					k--;
				line[k] = 0;
				return 0;
			}
			if (k + 1 < n)
				line[k++] = ch;
		}
		if (conn_fill(c))
			return -1;
	}
}

struct response {
	int status;
	long long length;	/* -1 if absent */
	int keep_alive;		/* Connection: keep-alive */
	int closes;		/* Connection: close */
};

static int read_head(struct conn *c, struct response *r, char *why, size_t wn)
{
	char line[512];

	memset(r, 0, sizeof(*r));
	r->length = -1;
	if (conn_line(c, line, sizeof(line)))
		return snprintf(why, wn, "no response (connection closed or timed out)"), -1;
	if (strncmp(line, "HTTP/1.1 ", 9) || sscanf(line + 9, "%d", &r->status) != 1)
		return snprintf(why, wn, "bad status line '%.80s'", line), -1;
	for (;;) {
		if (conn_line(c, line, sizeof(line)))
			return snprintf(why, wn, "response head cut short"), -1;
		if (!line[0])
			return 0;
		if (!strncasecmp(line, "Content-Length:", 15))
			r->length = strtoll(line + 15, NULL, 10);
		else if (!strcasecmp(line, "Connection: keep-alive"))
			r->keep_alive = 1;
		else if (!strcasecmp(line, "Connection: close"))
			r->closes = 1;
	}
}

/* Read and check a body of n bytes against page p; returns -1 with why. */
static int read_body(struct conn *c, const struct page *p, char *why, size_t wn)
{
	static unsigned char want[16384];
	size_t got = 0;

	while (got < p->size) {
		size_t k;

		if (c->off == c->len && conn_fill(c))
			return snprintf(why, wn, "%s: body cut at byte %zu of %zu", p->name,
					got, p->size), -1;
		k = c->len - c->off;
		if (k > p->size - got)
			k = p->size - got;
		wl_fill(p->seed, got, want, k);
		if (memcmp(c->buf + c->off, want, k)) {
			size_t i = 0;

			while (c->buf[c->off + i] == (char)want[i])
				i++;
			return snprintf(why, wn, "%s: body byte %zu of %zu wrong", p->name,
					got + i, p->size), -1;
		}
		c->off += k;
		got += k;
	}
	return 0;
}

static int send_str(struct conn *c, const char *s)
{
	return wl_write_full(c->fd, s, strlen(s));
}

static int conn_open(struct conn *c)
{
	c->off = c->len = 0;
	c->gen = nim_recoveries();
	c->fd = wl_tcp_connect(WL_ADDR_DUT, (unsigned)o.port, IO_TIMEOUT_S);
	return c->fd < 0 ? -1 : 0;
}

#define CFAIL(rep, ...) do { \
	snprintf((rep)->reason, sizeof((rep)->reason), __VA_ARGS__); \
	(rep)->code = WL_FAIL; \
	return WL_FAIL; \
} while (0)

/* One GET of page p on c; every part of the answer checked. */
static int get_page(struct conn *c, const struct page *p, struct client_report *rep)
{
	char req[256], why[300];
	struct response r;

	snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n", p->name, WL_ADDR_DUT);
	if (send_str(c, req))
		CFAIL(rep, "GET /%s: send: %s", p->name, strerror(errno));
	if (read_head(c, &r, why, sizeof(why)))
		CFAIL(rep, "GET /%s: %s", p->name, why);
	if (r.status != 200)
		CFAIL(rep, "GET /%s: status %d, expected 200", p->name, r.status);
	if (r.length != (long long)p->size)
		CFAIL(rep, "GET /%s: Content-Length %lld, expected %zu", p->name, r.length,
		      p->size);
	if (!r.keep_alive)
		CFAIL(rep, "GET /%s: no 'Connection: keep-alive' in the answer", p->name);
	if (read_body(c, p, why, sizeof(why)))
		CFAIL(rep, "GET %s", why);
	rep->bytes += p->size;
	rep->requests++;
	return 0;
}

/*
 * After a failed request or connect on c: was the server restarted (a NIM
 * recovery completed since c was opened, waited for up to --link seconds)?
 * While the NIM has detected no fault in this run, a failure with no
 * detection within 5 s is final (a recovery needs one; --restart 1 asks
 * for one instead).
 * Then c is reopened (the restarted server listens again) and the caller
 * redoes the request once, as a browser redoes an idempotent GET on a reset
 * connection.  Never without the NIM: a native failure stays a failure.
 */
static int reopen_after_restart(struct conn *c, struct client_report *rep)
{
	uint64_t t_end = wl_now_ns() + o.link * 1000000000ull;

	uint64_t t_ask = wl_now_ns() + 1000000000ull;
	uint64_t t_detect = wl_now_ns() + 5000000000ull;
	int asked = 0;

	if (access("/sys/kernel/nooks", F_OK))
		return -1;	/* native: nothing restarts the server */
	while (nim_recoveries() <= c->gen) {
		/* nothing detected in this run: no recovery is coming (was:
		 * --link s of waiting, a third of a campaign's time) */
		if (!o.restart && wl_now_ns() > t_detect && nim_faults() == faults0)
			return -1;
		/* --restart 1: no restart within 1 s, declare the server failed */
		if (o.restart && !asked && wl_now_ns() > t_ask) {
			if (wl_nim_request_restart("khttpd"))
				return -1;
			asked = 1;
		}
		if (wl_now_ns() > t_end)
			return -1;
		usleep(100000);
	}
	close(c->fd);
	while (conn_open(c))
		if (wl_now_ns() > t_end)
			return -1;
		else
			usleep(100000);
	rep->code = 0;
	rep->reason[0] = 0;
	rep->retries++;
	return 0;
}

static int fetch_phase(struct conn *cs, struct client_report *rep)
{
	uint64_t t0 = wl_now_ns();
	unsigned long i;

	for (i = 0; i < o.requests; i++) {
		/* mostly small pages: the large one every 8th request */
		const struct page *p = i % 8 == 7 ? &pages[4] : &pages[i % 4];
		struct conn *c = &cs[i % o.conns];

		if (get_page(c, p, rep) &&
		    (reopen_after_restart(c, rep) || get_page(c, p, rep)))
			return WL_FAIL;
		if (i % 200 == 199)
			wl_progress("\"phase\":\"fetch\",\"requests\":%lu", i + 1);
	}
	rep->secs = (double)(wl_now_ns() - t0) / 1e9;
	return 0;
}

/* Send raw; expect status (and, if must_close, the connection closed). */
static int expect_status(const char *raw, int status, int must_close, int no_body,
			 struct client_report *rep)
{
	struct conn c;
	struct response r;
	char why[300], tmp[1];

	if (conn_open(&c))
		CFAIL(rep, "errors: connect: %s", strerror(errno));
	if (send_str(&c, raw))
		CFAIL(rep, "errors: send: %s", strerror(errno));
	if (read_head(&c, &r, why, sizeof(why))) {
		close(c.fd);
		CFAIL(rep, "answer to '%.40s': %s", raw, why);
	}
	if (r.status != status || r.length < 0) {
		close(c.fd);
		CFAIL(rep, "answer to '%.40s': status %d (Content-Length %lld), expected %d",
		      raw, r.status, r.length, status);
	}
	if (!no_body) {
		/* skip the body */
		long long left = r.length;

		while (left > 0) {
			size_t k = c.len - c.off;

			if (!k && conn_fill(&c))
				break;
			k = c.len - c.off;
			if ((long long)k > left)
				k = (size_t)left;
			c.off += k;
			left -= (long long)k;
		}
	}
	if (must_close && (!r.closes || c.off != c.len || read(c.fd, tmp, 1) != 0)) {
		close(c.fd);
		CFAIL(rep, "answer to '%.40s': connection not closed after %d", raw, status);
	}
	close(c.fd);
	return 0;
}

static int errors_phase(struct client_report *rep)
{
	char head[256];

	wl_progress("\"phase\":\"errors\"");
	snprintf(head, sizeof(head), "HEAD /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	if (expect_status(head, 200, 1, 1, rep) ||
	    expect_status("GET /no-such-page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			  404, 1, 0, rep) ||
	    expect_status("DELETE /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			  405, 1, 0, rep) ||
	    expect_status("GARBAGE\r\n\r\n", 400, 1, 0, rep) ||
	    expect_status("GET /index.html HTTP/9.9\r\nHost: x\r\n\r\n", 400, 1, 0, rep) ||
	    expect_status("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400, 1, 0, rep) ||
	    expect_status("GET /index.html HTTP/1.1\r\n\r\n", 400, 1, 0, rep) ||
	    expect_status("GET /index.html HTTP/1.1\r\nno colon here\r\n\r\n", 400, 1, 0, rep))
		return WL_FAIL;
	return 0;
}

/* After the server unloaded, every open connection must read EOF/reset. */
static int unload_phase(struct conn *cs, struct client_report *rep)
{
	unsigned long i;
	char c;

	if (read(unload_rd, &c, 1) != 1)
		CFAIL(rep, "unload: no word from the parent");
	if (c != 'u')
		return 0;	/* the parent failed; it reports */
	for (i = 0; i < o.conns; i++) {
		char tmp[64];
		ssize_t r = read(cs[i].fd, tmp, sizeof(tmp));

		if (r > 0)
			CFAIL(rep, "unload: connection %lu got data after unload", i);
		if (r < 0 && errno == EAGAIN)
			CFAIL(rep, "unload: connection %lu still open after unload", i);
		close(cs[i].fd);
	}
	return 0;
}

static int client_main(void *arg)
{
	struct client_report rep = { 0 };
	struct conn *cs = calloc(MAX_CONNS, sizeof(*cs));
	uint64_t t_end = wl_now_ns() + o.link * 1000000000ull;
	unsigned long i;

	(void)arg;
	/* link: the first connection also waits for the wire to come up */
	while (conn_open(&cs[0]))
		if (wl_now_ns() > t_end) {
			snprintf(rep.reason, sizeof(rep.reason),
				 "cannot connect to %s:%lu within %lu s: %s", WL_ADDR_DUT, o.port,
				 o.link, strerror(errno));
			rep.code = WL_FAIL;
			goto out;
		} else {
			usleep(100000);
		}
	wl_progress("\"phase\":\"fetch\"");
	/* a connection refused while the NIM restarts the server is reopened */
	for (i = 1; i < o.conns; i++)
		if (conn_open(&cs[i]) && reopen_after_restart(&cs[i], &rep)) {
			snprintf(rep.reason, sizeof(rep.reason), "connect %lu: %s", i,
				 strerror(errno));
			rep.code = WL_FAIL;
			goto out;
		}
	if (fetch_phase(cs, &rep) || errors_phase(&rep))
		goto out;
	if (o.unload) {
		wl_peer_ready();	/* connections open: the parent unloads */
		unload_phase(cs, &rep);
	}
out:
	if (write(report_wr, &rep, sizeof(rep)) != sizeof(rep))
		return WL_INFRA;
	return rep.code;
}

/* ---- parent (root namespace) -------------------------------------------- */

static void write_pages(void)
{
	static unsigned char buf[65536];
	size_t i;

	char dir[256], *sl;

	snprintf(dir, sizeof(dir), "%s", o.docroot);
	for (sl = strchr(dir + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
		*sl = 0;
		mkdir(dir, 0755);
		*sl = '/';
	}
	if (mkdir(o.docroot, 0755) && errno != EEXIST)
		wl_finish(WL_INFRA, "cannot create docroot '%s': %s", o.docroot, strerror(errno));
	pages[4].size = o.large;
	for (i = 0; i < WL_ARRAY_SIZE(pages); i++) {
		char path[512];
		size_t off;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", o.docroot, pages[i].name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			wl_finish(WL_INFRA, "cannot write '%s': %s", path, strerror(errno));
		for (off = 0; off < pages[i].size; off += sizeof(buf)) {
			size_t k = pages[i].size - off < sizeof(buf) ? pages[i].size - off : sizeof(buf);

			wl_fill(pages[i].seed, off, buf, k);
			if (wl_write_full(fd, buf, k))
				wl_finish(WL_INFRA, "cannot write '%s': %s", path, strerror(errno));
		}
		close(fd);
	}
}

static unsigned long long tcp_inuse(void)
{
	char buf[512], *p;

	if (wl_read_str("/proc/net/sockstat", buf, sizeof(buf)) || !(p = strstr(buf, "TCP: inuse ")))
		return ~0ull;
	return strtoull(p + 11, NULL, 10);
}

/* rmmod khttpd with the client's connections open; checks the leak counters. */
static void do_unload(int *ok, char *why, size_t wn)
{
	char stats[256], log[1 << 16], *line;
	int i, n;

	*ok = 0;
	wl_read_str("/sys/module/khttpd/parameters/stats", stats, sizeof(stats));
	wl_progress("\"phase\":\"unload\",\"stats_before\":\"%s\"", stats);
	if (syscall(SYS_delete_module, "khttpd", O_NONBLOCK)) {
		snprintf(why, wn, "rmmod khttpd failed: %s", strerror(errno));
		return;
	}
	n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */
	log[n > 0 ? n : 0] = 0;
	line = strstr(log, "khttpd: unloaded:");
	if (!line) {
		snprintf(why, wn, "khttpd printed no unload report");
		return;
	}
	*strchrnul(line, '\n') = 0;
	wl_metric("\"unload_report\":\"%.200s\"", line);
	if (!strstr(line, "outstanding: 0 connections, 0 buffers")) {
		snprintf(why, wn, "leak at unload: %.200s", line);
		return;
	}
	/* the server's sockets are gone once the client has closed its ends */
	for (i = 0; i < 50 && tcp_inuse(); i++)
		usleep(100000);
	if (tcp_inuse()) {
		snprintf(why, wn, "%llu TCP sockets left in the root namespace after unload",
			 tcp_inuse());
		return;
	}
	*ok = 1;
}

int main(int argc, char **argv)
{
	const struct wl_opt opts[] = {
		{ "nic", 1, &o.nic, "NIC under test: e1000, pcnet, rtl8139" },
		{ "mode", 1, &o.mode, "test (default) or bench (more requests)" },
		{ "requests", 0, &o.requests, "GET requests (test 400, bench 3000)" },
		{ "conns", 0, &o.conns, "keep-alive connections, 1..16 (4)" },
		{ "large", 0, &o.large, "size of the large page in bytes (1 MiB)" },
		{ "unload", 0, &o.unload, "1: rmmod khttpd with connections open (default 1)" },
		{ "link", 0, &o.link, "seconds to wait for the first connection (20)" },
		{ "deadline", 0, &o.deadline, "fail after this many seconds (180)" },
		{ "restart", 0, &o.restart, "1: a GET failing with no server restart within 1 s asks "
		  "the NIM to restart khttpd (/sys/kernel/nooks/fail), then is redone once (0)" },
	};
	struct client_report rep;
	struct wl_net n;
	char buf[256], why[300] = "";
	int pipe_rep[2], pipe_unload[2], ready, st, unloaded_ok = 1, bench;
	pid_t pid;

	wl_name = "khttpd";
	o.nic = "e1000";
	o.mode = "test";
	o.conns = 4;
	o.unload = 1;
	o.link = 20;
	o.deadline = 180;
	o.large = 1 << 20;
	wl_parse(argc, argv, opts, WL_ARRAY_SIZE(opts));
	bench = wl_bench(o.mode);
	if (!o.requests)
		o.requests = bench ? 3000 : 400;
	if (o.conns < 1 || o.conns > MAX_CONNS)
		wl_finish(WL_INFRA, "invalid value '%lu' for parameter '--conns' (1..16)", o.conns);
	wl_check_deadline(o.deadline);
	wl_set_phase("setup");
	wl_deadline((unsigned)o.deadline);
	faults0 = nim_faults();
	if (wl_read_str("/sys/module/khttpd/parameters/port", buf, sizeof(buf)))
		wl_finish(WL_INFRA, "khttpd is not loaded (no /sys/module/khttpd)");
	o.port = strtoul(buf, NULL, 10);
	if (wl_read_str("/sys/module/khttpd/parameters/docroot", o.docroot, sizeof(o.docroot)))
		wl_finish(WL_INFRA, "cannot read khttpd's docroot parameter");
	wl_net_find(&n, o.nic);
	wl_metric("\"nic\":\"%s\",\"port\":%lu,\"conns\":%lu", n.driver, o.port, o.conns);
	wl_set_phase("pages");
	write_pages();
	if (pipe(pipe_rep) || pipe(pipe_unload))
		wl_finish(WL_INFRA, "pipe: %s", strerror(errno));
	report_wr = pipe_rep[1];
	unload_rd = pipe_unload[0];
	wl_set_phase("fetch");
	pid = wl_net_start_peer(&n, client_main, NULL, &ready);
	/* a driver restart of the NIC under test gets its address back (recovery agent) */
	if (wl_net_register_recovery(&n, "khttpd", WL_ADDR_DUT))
		wl_finish(WL_INFRA, "cannot register the recovery script in " WL_RECOVER_DIR ": %s",
			  strerror(errno));
	close(pipe_rep[1]);
	close(pipe_unload[0]);
	if (o.unload && wl_wait_ready(ready) == 0) {
		wl_set_phase("unload");
		do_unload(&unloaded_ok, why, sizeof(why));
		if (write(pipe_unload[1], unloaded_ok ? "u" : "x", 1) != 1)
			wl_finish(WL_INFRA, "client vanished");
	}
	if (wl_read_full(pipe_rep[0], &rep, sizeof(rep)))
		wl_finish(WL_INFRA, "the client in the peer namespace ended without a report");
	waitpid(pid, &st, 0);
	wl_children[0] = 0;
	if (rep.requests && rep.secs > 0)
		wl_metric("\"requests\":%lu,\"bytes\":%llu,\"req_per_s\":%.1f,\"MBps\":%.2f,"
			  "\"retries\":%lu", rep.requests, rep.bytes, (double)rep.requests / rep.secs,
			  (double)rep.bytes / rep.secs / 1e6, rep.retries);
	if (rep.code)
		wl_finish(rep.code, "%s", rep.reason);
	if (!unloaded_ok)
		wl_finish(WL_FAIL, "%s", why);
	wl_finish(WL_PASS, "%lu requests over %lu connections intact, errors answered%s%s",
		  rep.requests, o.conns, o.unload ? ", clean unload with connections open" : "",
		  rep.retries ? " (requests redone after a server restart)" : "");
}
