/* Wall-clock time in milliseconds since the Unix epoch: the module's now_ms import and the
 * staging log's record times. */
#ifndef WEBDAV_CLOCK_H
#define WEBDAV_CLOCK_H

#include <time.h>

static inline double clock_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

#endif
