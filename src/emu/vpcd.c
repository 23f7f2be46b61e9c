/*
 * The vsmartcard vpcd socket protocol, card side: the vpcd reader driver
 * inside pcscd listens on TCP (35963 by default); the virtual card
 * connects and then answers messages. Each message is a 2-byte big-endian
 * length and that many bytes. A 1-byte message is a control code:
 * 0 power off, 1 power on, 2 reset, 4 "send the ATR" (answered with a
 * length-prefixed ATR). Any other message is a command APDU, answered
 * with a length-prefixed response APDU.
 *
 * The driver is trusted no more than a card: lengths are bounded by the
 * 16-bit prefix, a read that stalls is retried only while *stop is zero.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu_internal.h"
#include "tdv/error.h"

#define VPCD_OFF 0
#define VPCD_ON 1
#define VPCD_RESET 2
#define VPCD_ATR 4

static int
connect_to(const char *host, int port)
{
	struct addrinfo hints, *res = NULL;
	char ps[16];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			/* one APDU per round trip: no Nagle delay */
			int one = 1;
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Read exactly n bytes; 0 on success, 1 on orderly close, -1 on error
 * or stop. */
static int
read_full(int fd, uint8_t *p, size_t n, volatile sig_atomic_t *stop)
{
	size_t got = 0;
	while (got < n) {
		if (stop != NULL && *stop)
			return -1;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, 200);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -1;
		if (pr == 0)
			continue;
		ssize_t r = read(fd, p + got, n - got);
		if (r == 0)
			return got == 0 ? 1 : -1;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* Write one length-prefixed message in a single write: with the header
 * and the body in separate segments, Nagle's algorithm and delayed ACKs
 * cost up to 200 ms per APDU. */
static int
write_msg(int fd, uint8_t *buf, size_t n)
{
	/* buf has 2 bytes of headroom before the message */
	if (n > 0xFFFF)
		return TDV_ELIMIT;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	size_t off = 0, total = n + 2;
	while (off < total) {
		ssize_t w = write(fd, buf + off, total - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return TDV_EIO;
		off += (size_t)w;
	}
	return TDV_OK;
}

/* Ask the kernel to acknowledge at once (the driver writes its length
 * prefix and its APDU separately and waits for our ACK in between). */
static void
quickack(int fd)
{
#ifdef TCP_QUICKACK
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

int
tdv_emu_serve_vpcd(tdv_emu *e, const char *host, int port,
    int connect_timeout_ms, volatile sig_atomic_t *stop)
{
	if (e == NULL || host == NULL || port <= 0 || port > 65535)
		return TDV_EINVAL;
	int fd = -1;
	for (int waited = 0;; waited += 100) {
		fd = connect_to(host, port);
		if (fd >= 0)
			break;
		if (waited >= connect_timeout_ms || (stop != NULL && *stop))
			return TDV_ECHIP_TRANSPORT;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	uint8_t *in = malloc(0x10000), *obuf = malloc(TDV_APDU_MAX + 2);
	uint8_t *out = obuf ? obuf + 2 : NULL;
	int rc = (in && obuf) ? TDV_OK : TDV_ENOMEM;
	while (rc == TDV_OK) {
		uint8_t hdr[2];
		quickack(fd);
		int r = read_full(fd, hdr, 2, stop);
		if (r == 1)
			break; /* the driver went away: done */
		if (r < 0) {
			rc = (stop != NULL && *stop) ? TDV_OK : TDV_EIO;
			break;
		}
		size_t n = ((size_t)hdr[0] << 8) | hdr[1];
		if (n == 0)
			continue;
		quickack(fd);
		if (read_full(fd, in, n, stop) != 0) {
			rc = (stop != NULL && *stop) ? TDV_OK : TDV_EIO;
			break;
		}
		if (n == 1) {
			switch (in[0]) {
			case VPCD_OFF:
			case VPCD_ON:
			case VPCD_RESET:
				tdv_emu_reset(e);
				break;
			case VPCD_ATR: {
				size_t al = tdv_emu_atr(e, out, 36);
				rc = write_msg(fd, obuf, al);
				break;
			}
			default:
				break; /* unknown control codes are ignored */
			}
			continue;
		}
		size_t rl = 0;
		if (tdv_emu_process(e, in, n, out, 0xFFFF, &rl) != TDV_OK) {
			out[0] = 0x6F;
			out[1] = 0x00;
			rl = 2;
		}
		rc = write_msg(fd, obuf, rl);
	}
	free(in);
	free(obuf);
	close(fd);
	return rc;
}
