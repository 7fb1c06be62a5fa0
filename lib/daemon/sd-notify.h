/*
 * sd-notify.h - readiness and the watchdog for a daemon under systemd
 * (Type=notify, WatchdogSec=): the protocol of sd_notify(3), written to
 * the socket in $NOTIFY_SOCKET, so that no library is linked for it; and
 * the listening sockets of socket activation (sd_listen_fds(3)).
 */
#ifndef CAFE_SD_NOTIFY_H
#define CAFE_SD_NOTIFY_H

/* Sends state ("READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=..."): 0 when
 * sent or when there is no service manager to tell, -1 when it failed. */
int cafe_sd_notify(const char *state);
/* How often the watchdog wants to hear from us, in ms (WATCHDOG_USEC for
 * this pid), or 0 when there is no watchdog. */
long long cafe_sd_watchdog_ms(void);
/* Sockets the service manager passed (socket activation, the protocol of
 * sd_listen_fds(3)): how many, from descriptor CAFE_SD_LISTEN_FDS_START
 * on, when $LISTEN_PID is this process; 0 otherwise. They are made
 * close-on-exec and the variables unset, so no child takes them. */
#define CAFE_SD_LISTEN_FDS_START 3
int cafe_sd_listen_fds(void);

#endif
