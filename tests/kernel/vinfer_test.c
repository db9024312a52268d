// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel tests of vinfer.ko, run inside the VM (scripts/vm-run) as root with
 * the module loaded.  kselftest harness; exit 4 (skip) only where a TPM is
 * needed and absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "kselftest_harness.h"
#include "vlog.h"

#define DEV "/dev/vinfer"
#define BINLOG "/sys/kernel/security/vinfer/binary_measurements"

static char *tmp_path(const char *name)
{
	static char buf[256];
	const char *dir = getenv("VINFER_TEST_DIR");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "/tmp", name);
	return buf;
}

static int measure_fd(int dev, int fd, struct vinfer_measure *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->kind = VINFER_KIND_MODEL;
	return ioctl(dev, VINFER_IOC_MEASURE, m) ? -errno : 0;
}

static int append(int dev, uint32_t kind, const void *p, uint32_t len, uint64_t *seq)
{
	struct vinfer_append a = { .kind = kind, .len = len, .data = (uintptr_t)p };

	if (ioctl(dev, VINFER_IOC_APPEND, &a))
		return -errno;
	if (seq)
		*seq = a.seq;
	return 0;
}

static int seal(int dev, struct vinfer_seal *s)
{
	memset(s, 0, sizeof(*s));
	return ioctl(dev, VINFER_IOC_SEAL, s) ? -errno : 0;
}

static int read_log(struct vlog *log)
{
	char err[VLOG_ERR_MAX];
	int ret = vlog_read_file(BINLOG, log, err);

	if (ret)
		fprintf(stderr, "log: %s\n", err);
	return ret;
}

/* The violation records of measurement @seq, by reason bit. */
static unsigned int violations_of(uint64_t seq)
{
	unsigned int bits = 0;
	struct vlog log;
	size_t i;

	if (read_log(&log))
		return ~0U;
	for (i = 0; i < log.n; i++) {
		const struct vinfer_rec_violation *v = (const void *)log.recs[i].payload;

		if (log.recs[i].type == VINFER_REC_VIOLATION &&
		    le64toh(v->measured_seq) == seq)
			bits |= 1U << le32toh(v->reason);
	}
	vlog_free(&log);
	return bits;
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd)) {
		perror(path);
		exit(1);
	}
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* ---- digests --------------------------------------------------------- */

TEST_F(dev, digest_equals_openssl)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 65536 + 3, 3 << 20 };
	unsigned char want[SHA256_DIGEST_LENGTH];
	struct vinfer_measure m;
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *buf = malloc(sizes[i] + 1);
		int fd;

		ASSERT_NE(NULL, buf);
		for (j = 0; j < sizes[i]; j++)
			buf[j] = (unsigned char)(j * 131 + i);
		write_file(tmp_path("digest"), buf, sizes[i]);
		SHA256(buf, sizes[i], want);
		fd = open(tmp_path("digest"), O_RDONLY);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, measure_fd(self->fd, fd, &m));
		EXPECT_EQ(sizes[i], m.size);
		EXPECT_EQ(0, memcmp(want, m.digest, sizeof(want)))
			TH_LOG("size %zu: digest differs", sizes[i]);
		close(fd);
		free(buf);
	}
}

/* ---- violations ------------------------------------------------------ */

TEST_F(dev, violation_modify_after_measure)
{
	struct vinfer_measure m;
	struct vinfer_seal s;
	int fd;

	write_file(tmp_path("model-w"), "weights v1", 10);
	fd = open(tmp_path("model-w"), O_RDONLY);
	ASSERT_EQ(0, measure_fd(self->fd, fd, &m));
	EXPECT_EQ(0, m.out_flags & VINFER_MEASURE_VIOLATION);
	close(fd);
	EXPECT_EQ(0, violations_of(m.seq));

	fd = open(tmp_path("model-w"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, write(fd, "bad", 3));
	close(fd);
	ASSERT_EQ(0, seal(self->fd, &s));
	EXPECT_EQ(1U << VINFER_VIOL_MODIFIED, violations_of(m.seq));
}

TEST_F(dev, violation_truncate)
{
	struct vinfer_measure m;
	struct vinfer_seal s;
	int fd;

	write_file(tmp_path("model-t"), "weights to be truncated", 23);
	fd = open(tmp_path("model-t"), O_RDONLY);
	ASSERT_EQ(0, measure_fd(self->fd, fd, &m));
	close(fd);
	ASSERT_EQ(0, truncate(tmp_path("model-t"), 5));
	ASSERT_EQ(0, seal(self->fd, &s));
	EXPECT_EQ(1U << VINFER_VIOL_TRUNCATED, violations_of(m.seq));
}

TEST_F(dev, violation_open_for_write)
{
	struct vinfer_measure m;
	int fd, wfd;

	write_file(tmp_path("model-o"), "weights open for write", 22);
	wfd = open(tmp_path("model-o"), O_WRONLY);
	ASSERT_LE(0, wfd);
	fd = open(tmp_path("model-o"), O_RDONLY);
	ASSERT_EQ(0, measure_fd(self->fd, fd, &m));
	EXPECT_NE(0, m.out_flags & VINFER_MEASURE_VIOLATION);
	EXPECT_EQ(1U << VINFER_VIOL_OPEN_WRITERS, violations_of(m.seq));
	close(fd);
	close(wfd);
}

/*
 * A write through a shared mapping makes no fsnotify event; the mapping keeps
 * the file open for writing, which the measurement or the seal scan reports.
 */
TEST_F(dev, violation_mmap_write_caught_at_seal)
{
	struct vinfer_measure m;
	struct vinfer_seal s;
	char *p;
	int fd;

	write_file(tmp_path("model-m"), "weights in a mapping", 20);
	fd = open(tmp_path("model-m"), O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);	/* only the mapping is left */
	fd = open(tmp_path("model-m"), O_RDONLY);
	ASSERT_EQ(0, measure_fd(self->fd, fd, &m));
	close(fd);
	p[0] = 'W';
	ASSERT_EQ(0, msync(p, 20, MS_SYNC));
	ASSERT_EQ(0, seal(self->fd, &s));
	EXPECT_NE(0, violations_of(m.seq)) TH_LOG("mmap write went unnoticed");
	munmap(p, 20);
}

TEST_F(dev, no_violation_for_readers)
{
	struct vinfer_measure m;
	struct vinfer_seal s;
	char buf[8];
	int fd;

	write_file(tmp_path("model-r"), "weights read only", 17);
	fd = open(tmp_path("model-r"), O_RDONLY);
	ASSERT_EQ(0, measure_fd(self->fd, fd, &m));
	ASSERT_EQ(8, read(fd, buf, 8));
	close(fd);
	ASSERT_EQ(0, seal(self->fd, &s));
	EXPECT_EQ(0, violations_of(m.seq));
}

static long state_value(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/sys/kernel/security/vinfer/state", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal stops a long measurement: EINTR, no record, no watch left. */
TEST_F(dev, measure_interrupted_records_nothing)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	struct vinfer_measure m;
	struct vinfer_seal s;
	long records, watches;
	int fd, ret;

	fd = open(tmp_path("huge"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 64LL << 30));
	close(fd);
	fd = open(tmp_path("huge"), O_RDONLY);
	ASSERT_EQ(0, seal(self->fd, &s));
	records = state_value("records");
	watches = state_value("watches");
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ret = measure_fd(self->fd, fd, &m);
	EXPECT_EQ(-EINTR, ret);
	EXPECT_EQ(records, state_value("records"));
	EXPECT_EQ(watches, state_value("watches"));
	close(fd);
	unlink(tmp_path("huge"));
}

/* ---- bad input ------------------------------------------------------- */

TEST_F(dev, bad_measure_fds)
{
	struct vinfer_measure m;
	int sv[2], pfd[2], i, dirfd, procfd, devfd, pathfd, closedfd, wrfd;

	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	dirfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	procfd = open("/proc/self/status", O_RDONLY);
	devfd = open("/dev/null", O_RDONLY);
	write_file(tmp_path("plain"), "x", 1);
	pathfd = open(tmp_path("plain"), O_PATH);
	wrfd = open(tmp_path("plain"), O_WRONLY);
	closedfd = open(tmp_path("plain"), O_RDONLY);
	close(closedfd);

	const struct { const char *what; int fd; int err; } cases[] = {
		{ "closed fd", closedfd, EBADF },
		{ "negative fd", -1, EBADF },
		{ "directory", dirfd, EISDIR },
		{ "pipe", pfd[0], EINVAL },
		{ "socket", sv[0], EINVAL },
		{ "procfs file", procfd, EOPNOTSUPP },
		{ "device node", devfd, EINVAL },
		{ "the vinfer device", self->fd, EINVAL },
		{ "O_PATH fd", pathfd, EBADF },
		{ "write-only fd", wrfd, EBADF },
	};
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		const char *what = cases[i].what;
		int want = -cases[i].err, got = measure_fd(self->fd, cases[i].fd, &m);

		EXPECT_EQ(want, got) TH_LOG("%s", what);
	}
	close(wrfd);
}

TEST_F(dev, bad_measure_fields)
{
	struct vinfer_measure m;
	int fd;

	write_file(tmp_path("plain"), "x", 1);
	fd = open(tmp_path("plain"), O_RDONLY);
	ASSERT_LE(0, fd);

	memset(&m, 0, sizeof(m));
	m.fd = fd;
	m.kind = VINFER_KIND_MAX + 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_MEASURE, &m));
	EXPECT_EQ(EINVAL, errno);

	memset(&m, 0, sizeof(m));
	m.fd = fd;
	m.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_MEASURE, &m));
	EXPECT_EQ(EINVAL, errno);

	memset(&m, 0, sizeof(m));
	m.fd = fd;
	m.reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_MEASURE, &m));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(dev, bad_pointers_and_sizes)
{
	struct { uint8_t pad[1]; struct vinfer_append a; } __attribute__((packed)) un;
	char big[sizeof(struct vinfer_append) + 16];
	void *unmapped;
	uint64_t seq = 0;

	/* NULL and unmapped argument pointers. */
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_APPEND, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_MEASURE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_SEAL, NULL));
	EXPECT_EQ(EFAULT, errno);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_APPEND, unmapped));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_SEAL, (void *)0xffffffffff600000UL));
	EXPECT_EQ(EFAULT, errno);

	/* Claim data pointers: NULL, unmapped; an unaligned one works. */
	EXPECT_EQ(-EFAULT, append(self->fd, VINFER_CLAIM_NOTE, NULL, 8, NULL));
	EXPECT_EQ(-EFAULT, append(self->fd, VINFER_CLAIM_NOTE, unmapped, 8, NULL));
	memset(&un, 0, sizeof(un));
	un.a.kind = VINFER_CLAIM_NOTE;
	un.a.len = 3;
	un.a.data = (uintptr_t)"abc";
	EXPECT_EQ(0, ioctl(self->fd, VINFER_IOC_APPEND, &un.a));
	EXPECT_EQ(0, append(self->fd, VINFER_CLAIM_NOTE, "unaligned" + 1, 5, &seq));
	munmap(unmapped, 4096);

	/* Sizes: smaller than version 0 -> EINVAL; larger with nonzero tail -> E2BIG;
	 * larger with zero tail is accepted; wrong direction/type -> ENOTTY. */
	memset(big, 0, sizeof(big));
	((struct vinfer_append *)big)->kind = VINFER_CLAIM_NOTE;
	((struct vinfer_append *)big)->len = 1;
	((struct vinfer_append *)big)->data = (uintptr_t)"z";
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(VINFER_IOC_MAGIC, 2, char[16]), big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->fd, _IOWR(VINFER_IOC_MAGIC, 2, char[sizeof(big)]), big));
	big[sizeof(big) - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(VINFER_IOC_MAGIC, 2, char[sizeof(big)]), big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(VINFER_IOC_MAGIC, 2, struct vinfer_append), big));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(VINFER_IOC_MAGIC, 9, struct vinfer_append), big));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('V', 2, struct vinfer_append), big));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, bad_claims)
{
	static char data[VINFER_CLAIM_MAX + 1];
	struct vinfer_append a;
	uint64_t seq = 0;

	EXPECT_EQ(0, append(self->fd, VINFER_CLAIM_NOTE, data, VINFER_CLAIM_MAX, &seq));
	EXPECT_EQ(-EMSGSIZE, append(self->fd, VINFER_CLAIM_NOTE, data, VINFER_CLAIM_MAX + 1, NULL));
	EXPECT_EQ(-EMSGSIZE, append(self->fd, VINFER_CLAIM_NOTE, data, UINT32_MAX, NULL));
	EXPECT_EQ(-EINVAL, append(self->fd, VINFER_CLAIM_NOTE, data, 0, NULL));
	EXPECT_EQ(-EINVAL, append(self->fd, 0, data, 4, NULL));
	EXPECT_EQ(-EINVAL, append(self->fd, VINFER_CLAIM_REQUEST, data, 63, NULL));
	EXPECT_EQ(0, append(self->fd, VINFER_CLAIM_REQUEST, data, 64, NULL));
	EXPECT_EQ(0, append(self->fd, VINFER_CLAIM_USER_BASE + 7, data, 1, NULL));

	memset(&a, 0, sizeof(a));
	a.kind = VINFER_CLAIM_NOTE;
	a.len = 1;
	a.data = (uintptr_t)data;
	a.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_APPEND, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.reserved0 = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_APPEND, &a));
	EXPECT_EQ(EINVAL, errno);
	a.reserved0 = 0;
	a.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_APPEND, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, bad_seal_fields)
{
	struct vinfer_seal s;

	memset(&s, 0, sizeof(s));
	s.flags = 2;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_SEAL, &s));
	EXPECT_EQ(EINVAL, errno);
	memset(&s, 0, sizeof(s));
	s.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VINFER_IOC_SEAL, &s));
	EXPECT_EQ(EINVAL, errno);
}

/* ---- who may do what ------------------------------------------------- */

TEST(permissions)
{
	struct vinfer_seal s;
	int rw, ro, status;
	pid_t pid;

	rw = open(DEV, O_RDWR);
	ro = open(DEV, O_RDONLY);
	ASSERT_LE(0, rw);
	ASSERT_LE(0, ro);

	/* A read-only handle may not add records. */
	EXPECT_EQ(-EPERM, append(ro, VINFER_CLAIM_NOTE, "x", 1, NULL));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ok = 1;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		/* Not root: cannot open the device, cannot read the log. */
		ok &= open(DEV, O_RDWR) < 0 && errno == EACCES;
		ok &= open(BINLOG, O_RDONLY) < 0 && errno == EACCES;
		/* A handle passed by root lets it append, but not seal. */
		ok &= append(rw, VINFER_CLAIM_NOTE, "y", 1, NULL) == 0;
		ok &= seal(rw, &s) == -EPERM;
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(rw);
	close(ro);
}

/* ---- seal ------------------------------------------------------------ */

TEST_F(dev, seal_is_idempotent_and_replays)
{
	struct vinfer_seal a, b;
	struct vlog log;
	uint64_t seq = 0;

	ASSERT_EQ(0, append(self->fd, VINFER_CLAIM_NOTE, "seal me", 7, &seq));
	ASSERT_EQ(0, seal(self->fd, &a));
	EXPECT_LT(seq, a.seq);
	ASSERT_EQ(0, seal(self->fd, &b));
	EXPECT_EQ(a.batch, b.batch) TH_LOG("an empty seal made a new batch");
	EXPECT_EQ(0, memcmp(a.pcr, b.pcr, 32));

	ASSERT_EQ(0, read_log(&log));
	ASSERT_LT(a.seq, log.n);
	EXPECT_EQ(0, memcmp(log.recs[a.seq].head, a.head, 32));
	EXPECT_EQ(0, memcmp(log.recs[a.seq].pcr, a.pcr, 32));
	vlog_free(&log);
}

/* ---- concurrency ----------------------------------------------------- */

#define STRESS_THREADS	6
#define STRESS_OPS	1500

struct stress_claim {
	uint32_t thread;
	uint32_t n;
};

static void *stress_thread(void *arg)
{
	uint32_t id = (uintptr_t)arg, n;
	struct vinfer_measure m;
	struct vinfer_seal s;
	struct vlog log;
	int dev = open(DEV, O_RDWR), fd;
	long failed = 0;

	fd = open(tmp_path("stress-model"), O_RDONLY);
	for (n = 0; n < STRESS_OPS; n++) {
		struct stress_claim c = { id, n };

		failed += append(dev, VINFER_CLAIM_USER_BASE + 1, &c, sizeof(c), NULL) != 0;
		if (id == 0 && n % 100 == 0)
			failed += seal(dev, &s) != 0;
		if (id == 1 && n % 50 == 0)
			failed += measure_fd(dev, fd, &m) != 0;
		if (id == 2 && n % 300 == 0) {
			failed += read_log(&log) != 0;
			vlog_free(&log);
		}
	}
	close(fd);
	close(dev);
	return (void *)failed;
}

TEST_F(dev, stress_no_loss_no_reorder)
{
	uint32_t next[STRESS_THREADS] = { 0 };
	pthread_t th[STRESS_THREADS];
	struct vinfer_seal s;
	struct vlog log;
	size_t i, claims = 0;
	void *ret;

	write_file(tmp_path("stress-model"), "stress weights", 14);
	for (i = 0; i < STRESS_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_thread, (void *)i));
	for (i = 0; i < STRESS_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret));
		EXPECT_EQ(NULL, ret) TH_LOG("thread %zu: %ld failed calls", i, (long)ret);
	}
	ASSERT_EQ(0, seal(self->fd, &s));

	/* Parsing re-checks the chain; then every claim once, in order. */
	ASSERT_EQ(0, read_log(&log));
	for (i = 0; i < log.n; i++) {
		const struct vlog_rec *r = &log.recs[i];
		const struct vinfer_rec_claim *c = (const void *)r->payload;
		const struct stress_claim *sc = (const void *)(r->payload + sizeof(*c));

		if (r->type != VINFER_REC_CLAIM || le32toh(c->kind) != VINFER_CLAIM_USER_BASE + 1)
			continue;
		ASSERT_LT(sc->thread, STRESS_THREADS);
		ASSERT_EQ(next[sc->thread], sc->n) TH_LOG("thread %u lost or reordered", sc->thread);
		next[sc->thread]++;
		claims++;
	}
	EXPECT_EQ(STRESS_THREADS * STRESS_OPS, claims);
	EXPECT_EQ(0, memcmp(log.recs[s.seq].pcr, s.pcr, 32));
	vlog_free(&log);
}

TEST_HARNESS_MAIN
