/*
** fdio.h: writing a whole buffer to a file descriptor.  The journal, the
** event outputs, fs.write's atomic files and the CLI's atomic files all
** write through it, so a short write, EINTR or a write that makes no
** progress is handled in one place.
*/
#ifndef RBC_FDIO_H
#define RBC_FDIO_H

#include <stddef.h>

/*
** Write all of buf[0..len) to fd, looping on partial writes and EINTR.
** 0, or the errno of the failure; a write(2) that returns 0 (no progress)
** is EIO rather than an endless loop.
*/
int fd_write_all(int fd, const void *buf, size_t len);

#endif
