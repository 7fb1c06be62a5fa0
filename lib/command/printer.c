/*
 * printer.c - bytes to the printer (printer.h). A device is written
 * without blocking past the deadline (a printer out of paper stops
 * reading); a command runs as the processor's and the channels' do
 * (base/child.h), with the bytes on its stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "printer.h"

int
cafe_printer_configured(const struct cafe_config *c)
{
	return c->printer.device || c->printer.command;
}

static int
to_device(const char *path, const char *bytes, size_t len, struct cafe_err *e)
{
	long long deadline = cafe_mono_ms() + CAFE_PRINTER_WAIT_MS;
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_APPEND);
	size_t done = 0;

	if (fd < 0)
		return cafe_err_set(e, CAFE_UNAVAILABLE, "cannot open the printer %s: %s",
		    path, errno == ENXIO ? "nothing is reading it" : strerror(errno));
	while (done < len) {
		struct pollfd p = { fd, POLLOUT, 0 };
		long long left = deadline - cafe_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			close(fd);
			return cafe_err_set(e, CAFE_UNAVAILABLE, "the printer %s took no more "
			    "after %zu of %zu bytes in %d s (paper, cover, cable?)", path, done,
			    len, CAFE_PRINTER_WAIT_MS / 1000);
		}
		if ((n = write(fd, bytes + done, len - done)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			close(fd);
			return cafe_err_set(e, CAFE_UNAVAILABLE, "cannot write to the printer "
			    "%s: %s", path, strerror(errno));
		}
		done += (size_t)n;
	}
	if (close(fd) != 0)
		return cafe_err_set(e, CAFE_UNAVAILABLE, "cannot write to the printer %s: %s",
		    path, strerror(errno));
	return 0;
}

static int
to_command(char *const *argv, const char *bytes, size_t len, struct cafe_err *e)
{
	struct cafe_child ch;
	int status = 0;

	memset(&ch, 0, sizeof ch);
	ch.argv = argv;
	ch.input = bytes;
	ch.inlen = len;
	ch.deadline_ms = cafe_mono_ms() + CAFE_PRINTER_WAIT_MS;
	if (cafe_child_run(&ch) != 0)
		return cafe_err_set(e, CAFE_UNAVAILABLE, "cannot run the printer command "
		    "%s: %s", argv[0], strerror(errno));
	if (ch.exec_errno)
		status = cafe_err_set(e, CAFE_UNAVAILABLE, "cannot run the printer command "
		    "%s: %s", argv[0], strerror(ch.exec_errno));
	else if (ch.timedout)
		status = cafe_err_set(e, CAFE_UNAVAILABLE, "the printer command %s took "
		    "longer than %d s", argv[0], CAFE_PRINTER_WAIT_MS / 1000);
	else if (!WIFEXITED(ch.wstatus) || WEXITSTATUS(ch.wstatus) != 0)
		status = cafe_err_set(e, CAFE_UNAVAILABLE, "the printer command %s failed "
		    "(%s %d)%s%.*s", argv[0], WIFEXITED(ch.wstatus) ? "exit" : "signal",
		    WIFEXITED(ch.wstatus) ? WEXITSTATUS(ch.wstatus) : WTERMSIG(ch.wstatus),
		    ch.headlen ? ": " : "", (int)strcspn(ch.head, "\n"), ch.head);
	cafe_child_release(&ch);
	return status;
}

int
cafe_printer_send(const struct cafe_config *c, const char *bytes, size_t len,
    struct cafe_err *e)
{
	if (c->printer.device)
		return to_device(c->printer.device, bytes, len, e);
	if (c->printer.command)
		return to_command(c->printer.command, bytes, len, e);
	return cafe_err_set(e, CAFE_CONFIG, "no printer is configured (printer: {device: "
	    "/dev/usb/lp0} or {command: [...]} in the config; see cafe.yaml(5))");
}
