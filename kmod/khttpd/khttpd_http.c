// SPDX-License-Identifier: GPL-2.0
/*
 * khttpd_http.c - the HTTP/1.1 side of kHTTPd: read a request head from a
 * connection, parse it, answer from the document root.
 *
 * Supported: GET and HEAD of regular files under docroot ("/" and paths
 * ending in "/" mean index.html), keep-alive (default for HTTP/1.1,
 * "Connection: keep-alive" for 1.0), pipelined requests, Content-Length on
 * every response.  Answers: 200; 400 (malformed request line or header,
 * missing Host in 1.1, a request body, a ".." path segment, a head larger
 * than KHTTPD_REQ_MAX) and the connection is closed; 404 (no such regular
 * file); 405 with "Allow: GET, HEAD" for any other method.
 * Must never: follow a path outside docroot, send more or fewer body bytes
 * than the Content-Length it announced (it closes the connection instead).
 */
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/sock.h>
#include "khttpd.h"

struct khttpd_req {
	char *method;
	char *path;
	bool keep_alive;
};

static atomic_t resp_count = ATOMIC_INIT(0);

static int send_all(struct socket *sock, const char *buf, size_t len)
{
	while (len) {
		struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
		int r = kernel_sendmsg(sock, &msg, &iov, 1, len);

		if (r <= 0)
			return r ? r : -EPIPE;
		buf += r;
		len -= r;
	}
	return 0;
}

static const char *find_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4))
			return buf + i;
	return NULL;
}

/* Wait for a whole request head in c->buf; its length /out/ in *head_len. */
static int read_head(struct khttpd_conn *c, size_t *head_len)
{
	for (;;) {
		const char *end = find_head_end(c->buf, c->len);
		struct kvec iov;
		struct msghdr msg = { };
		int r;

		if (end) {
			*head_len = end - c->buf + 4;
			return 0;
		}
		if (c->len == KHTTPD_REQ_MAX)
			return -E2BIG;
		if (khttpd_stopping())
			return -ESHUTDOWN;
		iov.iov_base = c->buf + c->len;
		iov.iov_len = KHTTPD_REQ_MAX - c->len;
		r = kernel_recvmsg(c->sock, &msg, &iov, 1, iov.iov_len, 0);
		if (r == -EAGAIN) {
			if (time_after(jiffies, c->last_rx + READ_ONCE(khttpd_keepalive_s) * HZ))
				return -ETIMEDOUT;
			continue;
		}
		if (r <= 0)
			return r ? r : -ECONNRESET;
		c->len += r;
		c->last_rx = jiffies;
	}
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
			return false;
	return true;
}

/* Cut line at the next CRLF; returns the following line. */
static char *next_line(char *line)
{
	char *e = strstr(line, "\r\n");

	if (!e)
		return NULL;
	*e = 0;
	return e + 2;
}

static int parse_headers(char *line, bool http11, struct khttpd_req *rq)
{
	bool host = false;

	while (line && *line) {
		char *next = next_line(line), *val = strchr(line, ':');

		if (!next || !val)
			return -EINVAL;
		*val++ = 0;
		if (!is_token(line))
			return -EINVAL;
		val = skip_spaces(val);
		if (!strcasecmp(line, "host")) {
			host = true;
		} else if (!strcasecmp(line, "connection")) {
			char *p;

			for (p = val; *p; p++)
				*p = tolower(*p);
			if (strstr(val, "close"))
				rq->keep_alive = false;
			else if (strstr(val, "keep-alive"))
				rq->keep_alive = true;
		} else if (!strcasecmp(line, "content-length")) {
			if (strcmp(strim(val), "0"))
				return -EINVAL;		/* no request bodies */
		} else if (!strcasecmp(line, "transfer-encoding")) {
			return -EINVAL;
		}
		line = next;
	}
	return http11 && !host ? -EINVAL : 0;
}

/* Parse the NUL-free head in place; -EINVAL means answer 400. */
static int parse_request(char *head, size_t len, struct khttpd_req *rq)
{
	char *line = head, *rest, *uri, *version, *seg;
	bool http11;

	if (memchr(head, 0, len))
		return -EINVAL;
	head[len - 2] = 0;	/* keep the last header's CRLF, drop the blank line */
	rest = next_line(line);
	if (!rest)
		return -EINVAL;
	uri = strchr(line, ' ');
	if (!uri)
		return -EINVAL;
	*uri++ = 0;
	version = strchr(uri, ' ');
	if (!version)
		return -EINVAL;
	*version++ = 0;
	if (!is_token(line) || uri[0] != '/')
		return -EINVAL;
	if (!strcmp(version, "HTTP/1.1"))
		http11 = true;
	else if (!strcmp(version, "HTTP/1.0"))
		http11 = false;
	else
		return -EINVAL;
	rq->method = line;
	rq->keep_alive = http11;
	strreplace(uri, '?', 0);	/* a query string selects nothing here */
	for (seg = uri; seg; seg = strchr(seg + 1, '/'))
		if (!strncmp(seg, "/..", 3) && (seg[3] == '/' || !seg[3]))
			return -EINVAL;
	for (seg = uri; *seg; seg++)
		if (*seg <= ' ' || *seg >= 127)
			return -EINVAL;
	rq->path = uri;
	return parse_headers(rest, http11, rq);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Error";
	}
}

static int respond_error(struct khttpd_conn *c, int status, bool keep_alive)
{
	char *out = c->io;
	int n;

	n = scnprintf(out, KHTTPD_IO_CHUNK,
		      "HTTP/1.1 %d %s\r\nServer: khttpd\r\nContent-Type: text/plain\r\n"
		      "Content-Length: %zu\r\n%sConnection: %s\r\n\r\n%d %s\n",
		      status, status_text(status), strlen(status_text(status)) + 5,
		      status == 405 ? "Allow: GET, HEAD\r\n" : "",
		      keep_alive ? "keep-alive" : "close", status, status_text(status));
	atomic_long_inc(&khttpd_stats.requests);
	atomic_long_inc(&khttpd_stats.errors);
	return send_all(c->sock, out, n);
}

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && !strcmp(dot, ".html"))
		return "text/html";
	if (dot && !strcmp(dot, ".txt"))
		return "text/plain";
	if (dot && !strcmp(dot, ".css"))
		return "text/css";
	return "application/octet-stream";
}

/* Send head and body of one regular file; a negative return closes. */
static int send_file(struct khttpd_conn *c, struct file *f, const char *path,
		     bool head_only, bool keep_alive)
{
	loff_t size = i_size_read(file_inode(f)), pos = 0;
	unsigned int every = READ_ONCE(khttpd_corrupt_every);
	bool corrupt = every && atomic_inc_return(&resp_count) % every == 0;
	size_t off, hdr;
	int err;

	hdr = scnprintf(c->io, KHTTPD_IO_CHUNK,
			"HTTP/1.1 200 OK\r\nServer: khttpd\r\nContent-Type: %s\r\n"
			"Content-Length: %lld\r\nConnection: %s\r\n\r\n",
			content_type(path), size, keep_alive ? "keep-alive" : "close");
	off = hdr;
	atomic_long_inc(&khttpd_stats.requests);
	for (;;) {
		while (!head_only && pos < size && off < KHTTPD_IO_CHUNK) {
			ssize_t n = kernel_read(f, c->io + off,
						min_t(loff_t, KHTTPD_IO_CHUNK - off, size - pos),
						&pos);

			if (n <= 0)	/* file shrank: Content-Length is a lie now */
				return n ? n : -EIO;
			off += n;
		}
		if (!off)
			return 0;
		if (corrupt && off > hdr) {
			c->io[hdr] ^= 0x20;	/* test hook: one wrong body byte */
			corrupt = false;
		}
		err = send_all(c->sock, c->io, off);
		if (err)
			return err;
		off = 0;
		hdr = 0;
	}
}

/* Answer a parsed GET or HEAD; a negative return closes the connection. */
static int serve_path(struct khttpd_conn *c, const struct khttpd_req *rq)
{
	bool head_only = !strcmp(rq->method, "HEAD");
	const char *index = rq->path[strlen(rq->path) - 1] == '/' ? "index.html" : "";
	char *full;
	struct file *f;
	int err;

	full = kasprintf(GFP_KERNEL, "%s%s%s", khttpd_docroot, rq->path, index);
	if (!full)
		return -ENOMEM;
	f = filp_open(full, O_RDONLY | O_LARGEFILE | O_NOFOLLOW, 0);
	kfree(full);
	if (IS_ERR(f))
		return respond_error(c, 404, rq->keep_alive);
	if (!S_ISREG(file_inode(f)->i_mode))
		err = respond_error(c, 404, rq->keep_alive);
	else
		err = send_file(c, f, *index ? index : rq->path, head_only, rq->keep_alive);
	filp_close(f, NULL);
	return err;
}

void khttpd_serve(struct khttpd_conn *c)
{
	for (;;) {
		struct khttpd_req rq;
		size_t head_len;
		int err = read_head(c, &head_len);

		if (err == -E2BIG)
			respond_error(c, 400, false);
		if (err)
			return;
		if (parse_request(c->buf, head_len, &rq)) {
			respond_error(c, 400, false);
			return;
		}
		if (strcmp(rq.method, "GET") && strcmp(rq.method, "HEAD"))
			err = respond_error(c, 405, rq.keep_alive);
		else
			err = serve_path(c, &rq);
		memmove(c->buf, c->buf + head_len, c->len - head_len);
		c->len -= head_len;
		if (err || !rq.keep_alive || khttpd_stopping())
			return;
	}
}
