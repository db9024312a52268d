// SPDX-License-Identifier: GPL-2.0
/*
 * A misbehaving JSON-RPC proxy for the publisher test, on loopback only:
 *
 *   publisher_proxy PORT UPSTREAM-PORT MODE-FILE
 *
 * Each request (one per connection) is answered according to the first
 * word of MODE-FILE, read per request so the test can switch it:
 *   pass     forward to 127.0.0.1:UPSTREAM-PORT and relay the answer
 *   junk     200 with a body that is not JSON
 *   badhex   200 with a well-formed reply whose quantity has a leading zero
 *            ("0x0001", or a block numbered "0x0a")
 *   hang     read the request and answer nothing for 20 s
 *   close    close the connection without a word
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQ_MAX (1 << 20)

static int upstream_port;
static const char *mode_file;

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Reads headers and a Content-Length body; returns the body or NULL. */
static char *read_request(int fd, size_t *blen)
{
	static char buf[REQ_MAX + 1];
	size_t have = 0, want = 0;
	char *body = NULL, *cl;

	for (;;) {
		ssize_t r = read(fd, buf + have, REQ_MAX - have);

		if (r <= 0)
			return NULL;
		have += (size_t)r;
		buf[have] = 0;
		if (!body && (body = strstr(buf, "\r\n\r\n"))) {
			body += 4;
			cl = strcasestr(buf, "Content-Length:");
			want = cl ? strtoul(cl + 15, NULL, 10) : 0;
		}
		if (body && have - (size_t)(body - buf) >= want) {
			*blen = want;
			return body;
		}
		if (have == REQ_MAX)
			return NULL;
	}
}

static void reply(int fd, const char *body)
{
	char hdr[256];

	snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", strlen(body));
	write_all(fd, hdr, strlen(hdr));
	write_all(fd, body, strlen(body));
}

static void forward(int fd, const char *body, size_t blen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(upstream_port) };
	char hdr[256], buf[65536];
	ssize_t r;
	int up = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (up < 0 || connect(up, (struct sockaddr *)&a, sizeof(a)))
		return;		/* the node is down: so is the proxy's answer */
	snprintf(hdr, sizeof(hdr), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 blen);
	write_all(up, hdr, strlen(hdr));
	write_all(up, body, blen);
	while ((r = read(up, buf, sizeof(buf))) > 0)
		write_all(fd, buf, (size_t)r);
	close(up);
}

static void serve(int fd)
{
	char mode[16] = "pass", out[256], *body, *id;
	size_t blen;
	FILE *f = fopen(mode_file, "r");

	if (f) {
		if (fscanf(f, "%15s", mode) != 1)
			strcpy(mode, "pass");
		fclose(f);
	}
	body = read_request(fd, &blen);
	if (!body || !strcmp(mode, "close"))
		return;
	if (!strcmp(mode, "hang")) {
		sleep(20);	/* bounded: a leftover child cannot outlive the test by much */
		return;
	}
	if (!strcmp(mode, "junk")) {
		reply(fd, "<html>502 bad gateway</html>");
		return;
	}
	if (!strcmp(mode, "badhex")) {
		id = strstr(body, "\"id\":");
		if (strstr(body, "eth_getBlockByNumber"))
			snprintf(out, sizeof(out), "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":"
				 "{\"number\":\"0x0a\",\"hash\":\"0x%064d\"}}",
				 id ? strtol(id + 5, NULL, 10) : 0L, 0);
		else
			snprintf(out, sizeof(out), "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":\"0x0001\"}",
				 id ? strtol(id + 5, NULL, 10) : 0L);
		reply(fd, out);
		return;
	}
	forward(fd, body, blen);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: publisher_proxy PORT UPSTREAM-PORT MODE-FILE\n");
		return 2;
	}
	upstream_port = atoi(argv[2]);
	mode_file = argv[3];
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 64)) {
		perror("publisher_proxy: bind");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		if (fork() == 0) {
			close(s);
			serve(c);
			close(c);
			_exit(0);
		}
		close(c);
	}
}
