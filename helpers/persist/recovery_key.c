// SPDX-License-Identifier: GPL-2.0-or-later
/* recovery_key.c — generate, read and ask for recovery keys, see recovery_key.h. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>

#include "log.h"
#include "process.h"
#include "recovery_key.h"
#include "secret.h"

static const char modhex[] = "cbdefghijklnrtuv";

int recovery_key_generate(struct secret *ret)
{
	uint8_t raw[RECOVERY_KEY_BYTES];
	struct secret key;
	int r;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		explicit_wipe(raw, sizeof(raw));
		return -EIO;
	}
	r = secret_alloc(RECOVERY_KEY_LENGTH, &key);
	if (r < 0) {
		explicit_wipe(raw, sizeof(raw));
		return r;
	}
	char *o = (char *)key.data;
	for (size_t i = 0; i < sizeof(raw); i++) {
		if (i > 0 && i % 4 == 0)
			*o++ = '-';
		*o++ = modhex[raw[i] >> 4];
		*o++ = modhex[raw[i] & 15];
	}
	*o = '\0';
	explicit_wipe(raw, sizeof(raw));
	*ret = key;
	return 0;
}

int recovery_key_normalize(const char *in, struct secret *ret)
{
	_cleanup_secret_ struct secret key = {};
	size_t letters = 0;
	int r;

	r = secret_alloc(RECOVERY_KEY_LENGTH, &key);
	if (r < 0)
		return r;
	char *o = (char *)key.data;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '-' || c == '\n' || c == '\r')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!strchr(modhex, c) || c == '\0')
			return -EINVAL;
		if (letters == RECOVERY_KEY_BYTES * 2)
			return -EINVAL;
		if (letters > 0 && letters % 8 == 0)
			*o++ = '-';
		*o++ = c;
		letters++;
	}
	if (letters != RECOVERY_KEY_BYTES * 2)
		return -EINVAL;
	*o = '\0';
	*ret = key;
	key = (struct secret){};
	return 0;
}

int recovery_key_read_file(const char *path, struct secret *ret)
{
	char buf[256];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		int r = -errno;
		explicit_wipe(buf, sizeof(buf));
		return r;
	}
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	int r = recovery_key_normalize(buf, ret);
	explicit_wipe(buf, sizeof(buf));
	return r;
}

/* Milliseconds left until DEADLINE (CLOCK_MONOTONIC), for poll(); 0 when
 * it has passed. */
static int ms_left(usec_t deadline)
{
	usec_t now = now_usec(CLOCK_MONOTONIC);
	if (now >= deadline)
		return 0;
	usec_t ms = (deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Wait until FD is readable or DEADLINE passes: 1, 0 (timed out), -errno. */
static int wait_readable(int fd, usec_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = ms_left(deadline);
		if (ms == 0)
			return 0;
		int k = poll(&p, 1, ms);
		if (k > 0)
			return 1;
		/* Interrupted: not RETRY_ON_EINTR, go round with the time that is left. */
		if (k < 0 && errno != EINTR)
			return -errno;
	}
}

/* systemd-ask-password enforces the timeout itself; sealroot stops waiting
 * for it a little later in any case. */
#define ASK_PASSWORD_GRACE_USEC (5 * USEC_PER_SEC)

static int ask_systemd(const char *device, usec_t timeout_usec, struct secret *ret)
{
	int pipefd[2];
	char prompt[512], timeout[32];
	char *argv[] = { "systemd-ask-password", timeout, "--id=sealroot:recovery", prompt, NULL };
	char buf[256];
	size_t n = 0;
	pid_t pid = -1;
	int status, r = 0;
	usec_t start = now_usec(CLOCK_MONOTONIC);
	usec_t deadline = start + timeout_usec + ASK_PASSWORD_GRACE_USEC;

	(void)snprintf(prompt, sizeof(prompt), "Recovery key for %s:", device);
	(void)snprintf(timeout, sizeof(timeout), "--timeout=%llu",
		       (unsigned long long)((timeout_usec + USEC_PER_SEC - 1) / USEC_PER_SEC));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	r = process_spawn(argv, pipefd[1], &pid);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return r;
	}
	while (n < sizeof(buf) - 1) {
		r = wait_readable(pipefd[0], deadline);
		if (r <= 0) {
			(void)kill(pid, SIGTERM);
			r = r == 0 ? -ETIME : r;
			break;
		}
		ssize_t k = RETRY_ON_EINTR(read(pipefd[0], buf + n, sizeof(buf) - 1 - n));
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(pipefd[0]);
	buf[n] = '\0';
	status = process_wait(pid);
	if (r < 0 || status != 0) {
		explicit_wipe(buf, sizeof(buf));
		if (r < 0)
			return r;
		/* It gives up with a failure status when its timeout expires. */
		return now_usec(CLOCK_MONOTONIC) - start >= timeout_usec ? -ETIME : -ECANCELED;
	}
	r = recovery_key_normalize(buf, ret);
	explicit_wipe(buf, sizeof(buf));
	return r;
}

static int ask_console(const char *console, const char *device, usec_t timeout_usec,
		       struct secret *ret)
{
	_cleanup_close_ int fd = open(console, O_RDWR | O_CLOEXEC | O_NOCTTY);
	usec_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	struct termios old, noecho;
	char buf[256];
	size_t n = 0;
	int r = 0;

	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) < 0)
		return -ENOTTY;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) < 0)
		return -errno;
	dprintf(fd, "\nRecovery key for %s (input hidden, %llu s): ", device,
		(unsigned long long)(timeout_usec / USEC_PER_SEC));
	while (n < sizeof(buf) - 1) {
		/* Canonical mode: readable once a whole line was typed. */
		r = wait_readable(fd, deadline);
		if (r <= 0) {
			r = r == 0 ? -ETIME : r;
			break;
		}
		ssize_t k = RETRY_ON_EINTR(read(fd, buf + n, 1));
		if (k <= 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	if (r >= 0)
		r = recovery_key_normalize(buf, ret);
	explicit_wipe(buf, sizeof(buf));
	return r;
}

int recovery_key_ask(const char *device, usec_t timeout_usec, struct secret *ret)
{
	const char *console = "/dev/console";
	struct stat st;

	if (timeout_usec == 0)
		return -EINVAL;
#ifdef SEALROOT_TEST_HOOKS
	/* Host tests answer the prompt from a file, or on a terminal of theirs. */
	const char *answer = getenv("SEALROOT_TEST_RECOVERY_KEY_FILE");
	if (answer)
		return recovery_key_read_file(answer, ret);
	const char *tty = getenv("SEALROOT_TEST_CONSOLE");
	if (tty)
		return ask_console(tty, device, timeout_usec, ret);
#endif

	if (stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/usr/bin/systemd-ask-password", X_OK) == 0)
		return ask_systemd(device, timeout_usec, ret);
	return ask_console(console, device, timeout_usec, ret);
}

int recovery_key_print(const struct secret *key, const char *device, const char *output)
{
	_cleanup_close_ int fd = -1;

	if (output)
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
	else
		fd = open("/dev/console", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (output)
			return -errno;
		fd = dup(STDOUT_FILENO);
		if (fd < 0)
			return -errno;
	}
	if (dprintf(fd,
		    "\n"
		    "=====================================================================\n"
		    " A recovery key was enrolled for the persistent partition\n"
		    " %s\n"
		    " It is shown ONCE and stored nowhere.  Write it down:\n\n"
		    "   %s\n\n"
		    " Use it with sealroot.recovery=ask when the TPM cannot unlock the\n"
		    " partition, or with 'sealroot persist reseal --recovery-key-file'.\n"
		    "=====================================================================\n",
		    device, (const char *)key->data) < 0)
		return -EIO;
	return 0;
}
