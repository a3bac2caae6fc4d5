/*
 * wl-netdev.c - netdev workload: traffic across the emulated wire between
 * the NIC under test (root namespace, found by driver name) and a trusted
 * virtio-net peer in its own network namespace, both on QEMU's hub.
 *
 * Phases: link (first echo reply), ping (--pings echo requests, every reply
 * with its payload intact; the first one lost fails the phase), send (--bytes of a deterministic payload from the
 * NIC under test to the peer, which checks every byte and returns its
 * CRC-32), recv (the same from the peer, checked here).  Pass = all of it
 * within --deadline seconds.  Metrics: MB/s and packets/s per direction
 * (packet counts from the NIC's own statistics), ping round trip.
 *
 * Driver restarts (the NIM re-probing a faulted driver): at set-up the
 * workload registers a recovery script (wl_net.h) that the guest
 * agent runs after a NIM recovery to bring the NIC up with its address
 * again.  A TCP stream survives a restart when that happens within its
 * retransmission window.  A phase that fails after the NIC was seen
 * restarted (new ifindex) is run once more, if the NIC is back configured
 * within 15 s (and the deadline); any other failure fails at once, unless
 * --restart 1 (application-level failure detection): then the workload
 * asks the NIM to restart the driver (/sys/kernel/nooks/fail; nothing in
 * native mode or when the driver is not isolated) and the phase is retried
 * once after that restart, as after one the NIM detected.  I/O
 * calls stalled for a quarter of --deadline fail a phase.  The same rule holds in
 * native mode (where nothing restarts a driver).  Metrics nic_restarts,
 * reconfigured, retries say what happened.
 *
 * Never touches interfaces other than the two it found; no traffic leaves
 * QEMU.  Exit 0 pass, 1 functional failure, 2 set-up or usage error.
 */
#include "wl_common.h"

#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>

#define PORT 5001
#define MAGIC 0x4e4f4f4bu	/* "NOOK" */
#define CHUNK 65536

struct stream_hdr {
	uint32_t magic;
	uint32_t dir;		/* 0: client sends, 1: peer sends */
	uint64_t bytes;
	uint64_t seed;
};

struct stream_ack {
	uint32_t ok;
	uint32_t crc;
	uint64_t bad_off;	/* first wrong byte, or bytes if none */
};

/* Receive and check n bytes of stream seed; returns the first bad offset or n. */
static uint64_t recv_check(int fd, uint64_t seed, uint64_t n, uint32_t *crc, int *eof)
{
	static unsigned char buf[CHUNK], want[CHUNK];
	uint64_t off = 0;

	*crc = 0;
	*eof = 0;
	while (off < n) {
		size_t len = n - off < CHUNK ? (size_t)(n - off) : CHUNK;
		ssize_t r = read(fd, buf, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*eof = 1;
			return off;
		}
		wl_fill(seed, off, want, (size_t)r);
		if (memcmp(buf, want, (size_t)r)) {
			size_t i;

			for (i = 0; buf[i] == want[i]; i++)
				;
			return off + i;
		}
		*crc = wl_crc32(*crc, buf, (size_t)r);
		off += (uint64_t)r;
	}
	return off;
}

static int send_stream(int fd, uint64_t seed, uint64_t n, uint32_t *crc)
{
	static unsigned char buf[CHUNK];
	uint64_t off = 0;

	*crc = 0;
	while (off < n) {
		size_t len = n - off < CHUNK ? (size_t)(n - off) : CHUNK;

		wl_fill(seed, off, buf, len);
		*crc = wl_crc32(*crc, buf, len);
		if (wl_write_full(fd, buf, len))
			return -1;
		off += len;
	}
	return 0;
}

/* ---- peer side (own namespace) ---------------------------------------- */

static int peer_main(void *arg)
{
	int lfd = wl_tcp_listen(PORT);

	(void)arg;
	if (lfd < 0)
		return WL_INFRA;
	wl_peer_ready();
	for (;;) {
		struct stream_hdr h;
		struct stream_ack a = { 0 };
		int fd = accept(lfd, NULL, NULL), eof;

		if (fd < 0)
			continue;
		if (wl_read_full(fd, &h, sizeof(h)) || h.magic != MAGIC) {
			close(fd);
			continue;
		}
		if (h.dir == 0) {
			a.bad_off = recv_check(fd, h.seed, h.bytes, &a.crc, &eof);
			a.ok = a.bad_off == h.bytes;
			wl_write_full(fd, &a, sizeof(a));
		} else {
			send_stream(fd, h.seed, h.bytes, &a.crc);
			shutdown(fd, SHUT_WR);
			/* wait for the client's close so no data is lost */
			while (read(fd, &eof, sizeof(eof)) > 0)
				;
		}
		close(fd);
	}
	return WL_PASS;
}

/* ---- ping --------------------------------------------------------------- */

static int ping_once(int fd, uint16_t seq, unsigned timeout_ms, uint64_t *rtt_ns)
{
	unsigned char pkt[64], buf[1500];
	struct icmphdr *ic = (struct icmphdr *)pkt;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint64_t t0 = wl_now_ns();
	uint16_t id = (uint16_t)getpid();
	uint32_t sum = 0;
	size_t i;

	inet_pton(AF_INET, WL_ADDR_PEER, &to.sin_addr);
	memset(pkt, 0, sizeof(pkt));
	ic->type = ICMP_ECHO;
	ic->un.echo.id = htons(id);
	ic->un.echo.sequence = htons(seq);
	wl_fill(seq, 0, pkt + sizeof(*ic), sizeof(pkt) - sizeof(*ic));
	for (i = 0; i < sizeof(pkt); i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ic->checksum = htons((uint16_t)~sum);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int waited = (int)((wl_now_ns() - t0) / 1000000);
		struct iphdr *ip = (struct iphdr *)buf;
		struct icmphdr *rep;
		ssize_t r;

		if (waited >= (int)timeout_ms || poll(&p, 1, (int)timeout_ms - waited) <= 0)
			return -1;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < (ssize_t)sizeof(*ip))
			continue;
		rep = (struct icmphdr *)(buf + ip->ihl * 4);
		if (r != ip->ihl * 4 + (ssize_t)sizeof(pkt) || rep->type != ICMP_ECHOREPLY ||
		    ntohs(rep->un.echo.id) != id || ntohs(rep->un.echo.sequence) != seq)
			continue;
		if (memcmp(rep + 1, pkt + sizeof(*ic), sizeof(pkt) - sizeof(*ic)))
			return -2;
		*rtt_ns = wl_now_ns() - t0;
		return 0;
	}
}

/*
 * Ping the peer every 200 ms until it answers or t_end (ns) passes: the
 * link is up, the peer's address resolved.  0, -1 no reply, -2 corrupted.
 */
static int wait_link(int fd, uint16_t *seq, uint64_t t_end)
{
	uint64_t rtt;
	int r;

	while ((r = ping_once(fd, (*seq)++, 200, &rtt)) == -1)
		if (wl_now_ns() > t_end)
			return -1;
	return r;
}

static char fail_reason[512];

__attribute__((format(printf, 1, 2)))
static int phase_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_reason, sizeof(fail_reason), fmt, ap);
	va_end(ap);
	return -1;
}

static int do_ping(unsigned long pings, unsigned link_s)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	uint64_t rtt, total = 0, t_end = wl_now_ns() + (uint64_t)link_s * 1000000000ull;
	unsigned long i;
	uint16_t seq = 1;
	int r;

	if (fd < 0)
		wl_finish(WL_INFRA, "raw ICMP socket: %s", strerror(errno));
	wl_set_phase("link");
	r = wait_link(fd, &seq, t_end);
	if (r) {
		close(fd);
		return r == -2 ? phase_fail("echo reply payload corrupted") :
			phase_fail("no echo reply from the peer within %u s (link down?)", link_s);
	}
	wl_set_phase("ping");
	for (i = 0; i < pings; i++) {
		r = ping_once(fd, seq++, 1000, &rtt);
		if (r == -2) {
			close(fd);
			return phase_fail("echo reply %lu payload corrupted", i);
		}
		if (r) {	/* a lost echo on an emulated wire fails the phase at once */
			close(fd);
			return phase_fail("echo request %lu of %lu unanswered", i + 1, pings);
		}
		total += rtt;
	}
	close(fd);
	wl_metric("\"pings\":%lu,\"ping_lost\":0,\"ping_rtt_us\":%.1f", pings,
		  (double)total / (double)pings / 1000.0);
	return 0;
}

/* ---- streams ------------------------------------------------------------ */

static unsigned long long if_stat(const struct wl_net *n, const char *what)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/class/net/%s/statistics/%s", n->dut_if, what);
	return wl_read_ull(p);
}

static int do_stream(struct wl_net *n, uint32_t dir, uint64_t bytes, uint64_t seed,
		     unsigned io_s)
{
	const char *name = dir ? "recv" : "send";
	struct stream_hdr h = { MAGIC, dir, bytes, seed };
	unsigned long long p0 = if_stat(n, dir ? "rx_packets" : "tx_packets"), p1;
	uint64_t t0 = wl_now_ns(), t1;
	unsigned long restarts0 = n->restarts;
	uint32_t crc;
	double secs;
	int fd, eof, r = 0;

	wl_set_phase(name);
	fd = wl_tcp_connect(WL_ADDR_PEER, PORT, io_s);
	if (fd < 0)
		return phase_fail("%s: connect to the peer: %s", name, strerror(errno));
	if (wl_write_full(fd, &h, sizeof(h))) {
		r = phase_fail("%s: header: %s", name, strerror(errno));
	} else if (dir == 0) {
		struct stream_ack a;

		if (send_stream(fd, seed, bytes, &crc))
			r = phase_fail("send: %s", strerror(errno));
		else if (wl_read_full(fd, &a, sizeof(a)))
			r = phase_fail("send: no verdict from the peer");
		else if (!a.ok)
			r = phase_fail("send: peer found byte %llu of %llu wrong or missing",
				       (unsigned long long)a.bad_off, (unsigned long long)bytes);
		else if (a.crc != crc)
			r = phase_fail("send: CRC-32 mismatch (sent %08x, peer %08x)", crc, a.crc);
	} else {
		uint64_t got = recv_check(fd, seed, bytes, &crc, &eof);

		if (got != bytes)
			r = phase_fail("recv: byte %llu of %llu %s", (unsigned long long)got,
				       (unsigned long long)bytes, eof ? "missing" : "wrong");
	}
	t1 = wl_now_ns();
	close(fd);
	if (r)
		return r;
	wl_net_restarted(n);
	p1 = if_stat(n, dir ? "rx_packets" : "tx_packets");
	secs = (double)(t1 - t0) / 1e9;
	wl_metric("\"%s_bytes\":%llu,\"%s_crc32\":\"%08x\",\"%s_MBps\":%.2f",
		  name, (unsigned long long)bytes, name, crc, name, (double)bytes / secs / 1e6);
	/* a restarted NIC's counters start again from 0: no packet rate then */
	if (n->restarts == restarts0)
		wl_metric("\"%s_pps\":%.0f", name, (double)(p1 - p0) / secs);
	else
		wl_metric("\"%s_pps\":null", name);
	return 0;
}

/* ---- phases, with one retry after a driver restart ------------------------- */

struct run {
	struct wl_net *n;
	unsigned long pings, link, restart;
	uint64_t bytes, seed;
	unsigned io_s;
	uint64_t end_ns;	/* the deadline */
};

static int run_phase(struct run *r, int phase)
{
	switch (phase) {
	case 0: return do_ping(r->pings, (unsigned)r->link);
	case 1: return do_stream(r->n, 0, r->bytes, r->seed, r->io_s);
	default: return do_stream(r->n, 1, r->bytes, r->seed + 1, r->io_s);
	}
}

static void restart_metrics(const struct wl_net *n)
{
	wl_metric("\"nic_restarts\":%lu,\"reconfigured\":%lu,\"retries\":%lu",
		  n->restarts, n->reconfigured, n->retries);
}

#define RECONFIG_WAIT_S 15

/* Wait until t_end (ns) for the peer to answer an echo request: 0 or -1. */
static int wait_peer(uint64_t t_end)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP), r;
	uint16_t seq = 0x8000;	/* apart from the ping phase's sequence numbers */

	if (fd < 0)
		wl_finish(WL_INFRA, "raw ICMP socket: %s", strerror(errno));
	r = wait_link(fd, &seq, t_end);
	close(fd);
	return r ? -1 : 0;
}

static void run_phases(struct run *r)
{
	static const char *const names[] = { "ping", "send", "recv" };
	int phase;

	for (phase = 0; phase < 3; phase++) {
		unsigned long restarts0 = r->n->restarts;

		if (!run_phase(r, phase)) {
			if (wl_net_restarted(r->n) || r->n->restarts != restarts0)
				wl_net_wait_reconfigured(r->n, 0);	/* it carried traffic: count it */
			continue;
		}
		wl_net_restarted(r->n);
		uint64_t now = wl_now_ns();
		unsigned wait = now + 2000000000ull < r->end_ns ?
				(unsigned)((r->end_ns - now) / 1000000000ull) - 1 : 0;

		if (wait > RECONFIG_WAIT_S)
			wait = RECONFIG_WAIT_S;
		uint64_t wait_end = now + (uint64_t)wait * 1000000000ull;

		if (r->n->restarts == restarts0 && !r->n->retries && r->restart &&
		    !wl_nim_request_restart(r->n->driver)) {
			while (!wl_net_restarted(r->n) && wl_now_ns() < wait_end)
				usleep(100000);
		}
		if (r->n->restarts == restarts0 || r->n->retries) {
			restart_metrics(r->n);
			wl_finish(WL_FAIL, "%s%s", fail_reason,
				  r->n->restarts == restarts0 ? "" : " (NIC restarted; already retried once)");
		}
		if (wl_net_wait_reconfigured(r->n, wait)) {
			restart_metrics(r->n);
			wl_finish(WL_FAIL, "%s; the NIC under test was restarted (now %s) and not "
				  "reconfigured within %u s", fail_reason, r->n->dut_if, wait);
		}
		/*
		 * The address is back, but the restarted NIC may report link a
		 * second or two later: a connect then fails on ARP ("No route
		 * to host").  Retry once the peer answers, within the wait.
		 */
		if (phase && wait_peer(wait_end)) {
			restart_metrics(r->n);
			wl_finish(WL_FAIL, "%s; the NIC under test was restarted (now %s) and the peer "
				  "did not answer within %u s", fail_reason, r->n->dut_if, wait);
		}
		r->n->retries++;
		wl_progress("\"retry\":\"%s\",\"after\":\"%s\"", names[phase], fail_reason);
		if (run_phase(r, phase)) {
			restart_metrics(r->n);
			wl_finish(WL_FAIL, "%s (retry after a NIC restart)", fail_reason);
		}
	}
	restart_metrics(r->n);
}

int main(int argc, char **argv)
{
	const char *nic = "e1000", *mode = "test";
	unsigned long bytes = 0, pings = 0, deadline = 120, seed = 1, link = 20, restart = 0;
	const struct wl_opt opts[] = {
		{ "nic", 1, &nic, "NIC under test: e1000, pcnet (pcnet32), rtl8139 (8139cp)" },
		{ "mode", 1, &mode, "test (default) or bench (bigger transfers)" },
		{ "bytes", 0, &bytes, "bytes per direction (test 4 MiB, bench 32 MiB)" },
		{ "pings", 0, &pings, "echo requests (test 10, bench 100)" },
		{ "seed", 0, &seed, "payload seed (default 1)" },
		{ "link", 0, &link, "seconds to wait for the first echo reply (20)" },
		{ "deadline", 0, &deadline, "fail after this many seconds (120)" },
		{ "restart", 0, &restart, "1: a phase failing with no driver restart asks the NIM to "
		  "restart the driver (/sys/kernel/nooks/fail), then is retried once (0)" },
	};
	struct wl_net n;
	uint64_t t_start;
	int ready, bench;

	wl_name = "netdev";
	wl_parse(argc, argv, opts, WL_ARRAY_SIZE(opts));
	bench = wl_bench(mode);
	if (!bytes)
		bytes = bench ? 32ul << 20 : 4ul << 20;
	if (!pings)
		pings = bench ? 100 : 10;
	wl_check_deadline(deadline);
	wl_set_phase("setup");
	t_start = wl_now_ns();
	wl_deadline((unsigned)deadline);
	wl_net_find(&n, nic);
	wl_metric("\"nic\":\"%s\",\"dut_if\":\"%s\",\"peer_if\":\"%s\"", n.driver, n.dut_if,
		  n.peer_if);
	wl_net_start_peer(&n, peer_main, NULL, &ready);
	if (wl_wait_ready(ready))
		wl_finish(WL_INFRA, "the peer could not listen on port %d", PORT);
	if (wl_net_register_recovery(&n, "netdev", WL_ADDR_DUT))
		wl_finish(WL_INFRA, "cannot register the recovery script in " WL_RECOVER_DIR ": %s",
			  strerror(errno));
	/* an I/O call stalled for a quarter of the deadline fails the phase (room for a retry) */
	struct run r = { &n, pings, link, restart, bytes, seed,
			 deadline / 4 > 5 ? (unsigned)deadline / 4 : 5,
			 t_start + (uint64_t)deadline * 1000000000ull };

	run_phases(&r);
	wl_finish(WL_PASS, "%lu pings, %lu bytes each way intact%s", pings, bytes,
		  n.retries ? " (one phase retried after a NIC restart)" : "");
}
