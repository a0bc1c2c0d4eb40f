/* The share's own HTTP listener (listener.c, docs/listener.md). */
#ifndef WEBDAV_LISTENER_H
#define WEBDAV_LISTENER_H

/* Opens the listener when the module asks for a port (after the share is configured). */
void listener_start(void);
/* Closes it, waiting for running requests. */
void listener_stop(void);

#endif
