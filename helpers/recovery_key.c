// SPDX-License-Identifier: GPL-2.0-or-later
/* recovery_key.c — generate, read and ask for recovery keys, see recovery_key.h. */
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>

#include "log.h"
#include "recovery_key.h"

static const char modhex[] = "cbdefghijklnrtuv";

static int secret_alloc(size_t len, struct secret *ret)
{
	uint8_t *p = calloc(1, len + 1);
	if (!p)
		return -ENOMEM;
	*ret = (struct secret){ .data = p, .size = len };
	return 0;
}

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

static int ask_systemd(const char *device, struct secret *ret)
{
	int pipefd[2];
	char prompt[512];
	char buf[256];
	size_t n = 0;
	int status, r;

	(void)snprintf(prompt, sizeof(prompt), "Recovery key for %s:", device);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execlp("systemd-ask-password", "systemd-ask-password", "--timeout=0",
		       "--id=sealroot:recovery", prompt, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t k = read(pipefd[0], buf + n, sizeof(buf) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == sizeof(buf) - 1)
			break;
	}
	close(pipefd[0]);
	buf[n] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explicit_wipe(buf, sizeof(buf));
		return -ECANCELED;
	}
	r = recovery_key_normalize(buf, ret);
	explicit_wipe(buf, sizeof(buf));
	return r;
}

static int ask_console(const char *device, struct secret *ret)
{
	_cleanup_close_ int fd = open("/dev/console", O_RDWR | O_CLOEXEC | O_NOCTTY);
	struct termios old, noecho;
	char buf[256];
	size_t n = 0;
	int r;

	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) < 0)
		return -ENOTTY;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) < 0)
		return -errno;
	dprintf(fd, "\nRecovery key for %s (input hidden): ", device);
	while (n < sizeof(buf) - 1) {
		ssize_t k = read(fd, buf + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	r = recovery_key_normalize(buf, ret);
	explicit_wipe(buf, sizeof(buf));
	return r;
}

int recovery_key_ask(const char *device, struct secret *ret)
{
	struct stat st;

#ifdef SEALROOT_TEST_HOOKS
	/* Host tests answer the prompt from a file. */
	const char *answer = getenv("SEALROOT_TEST_RECOVERY_KEY_FILE");
	if (answer)
		return recovery_key_read_file(answer, ret);
#endif

	if (stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/usr/bin/systemd-ask-password", X_OK) == 0)
		return ask_systemd(device, ret);
	return ask_console(device, ret);
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
