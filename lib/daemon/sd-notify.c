/*
 * sd-notify.c - tells the service manager how the daemon is (sd-notify.h),
 * through the documented datagram protocol of sd_notify(3): one message
 * to the AF_UNIX socket named by $NOTIFY_SOCKET ("@" for the abstract
 * namespace). Without the variable it does nothing; it never blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd-notify.h"

int
cafe_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t n;
	socklen_t len;
	ssize_t sent;
	int fd;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	do
		sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		    len);
	while (sent < 0 && errno == EINTR);
	close(fd);
	return sent < 0 ? -1 : 0;
}

long long
cafe_sd_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	long long us;
	char *end;

	if (!usec || !*usec)
		return 0;
	if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;       /* meant for another process */
	us = strtoll(usec, &end, 10);
	if (*end || us <= 0)
		return 0;
	return us / 1000 > 0 ? us / 1000 : 1;
}

int
cafe_sd_listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char mine[32];
	long n;
	char *end;

	snprintf(mine, sizeof mine, "%ld", (long)getpid());
	if (!pid || !fds || strcmp(pid, mine) != 0)
		return 0;
	errno = 0;
	n = strtol(fds, &end, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (errno || *end || end == fds || n < 1 || n > 64)
		return 0;
	for (int fd = CAFE_SD_LISTEN_FDS_START; fd < CAFE_SD_LISTEN_FDS_START + n; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return (int)n;
}
