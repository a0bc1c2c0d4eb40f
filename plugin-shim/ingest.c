#include "ingest.h"
#include "codes.h"
#include "guest.h"
#include "orthanc.h"
#include "staging.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 16
#define INGEST_NICENESS 10

static pthread_t workers_[MAX_WORKERS];
static int count_ = 0;
static int stop_ = 0;
static pthread_mutex_t lock_ = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_ = PTHREAD_COND_INITIALIZER;

/* POST /instances inside Orthanc. Returns a job outcome (codes.h): imported, or rejected with
 * `message` saying why. */
static int import_instance(const void* data, uint64_t size, const char** message) {
  return orthanc_import(data, size, message) == 0 ? WEBDAV_JOB_OUTCOME_IMPORTED : WEBDAV_JOB_OUTCOME_REJECTED;
}

/* Imports one staged file; returns 0 when there was none. */
static int ingest_one(void) {
  guest_buffer_t answer = {NULL, 0};
  if (guest_upload_next(&answer) < 0) return 0;
  char id[64];
  size_t length = answer.size < sizeof id ? answer.size : sizeof id - 1;
  memcpy(id, answer.data, length);
  id[length] = '\0';
  guest_buffer_free(&answer);

  void* data = NULL;
  uint64_t size = 0;
  if (staging_read(id, &data, &size) != 0) {
    guest_upload_finish(id, WEBDAV_JOB_OUTCOME_GONE, "");
    return 1;
  }
  int32_t verdict = guest_upload_check(id, data, size);
  if (verdict < 0) {
    /* The module trapped on this file (and restarted): the restarted module finds it marked and
     * reports it (uploads.ts RestoredState), never checking it again. */
    char line[200];
    snprintf(line, sizeof line, "WebDAV plugin: staged upload %s made the module trap; it is reported", id);
    orthanc_log_error(line);
    staging_mark(id, STAGING_TRAPPED);
  } else if (verdict == WEBDAV_CHECK_ANSWER_IMPORT) {
    const char* message = "";
    staging_mark(id, STAGING_IMPORTING);
    int outcome = import_instance(data, size, &message);
    staging_mark(id, outcome == WEBDAV_JOB_OUTCOME_IMPORTED ? STAGING_IMPORTED : STAGING_LIVE);
    guest_upload_finish(id, outcome, message);
  } else if (verdict == WEBDAV_CHECK_ANSWER_ZIP) {
    /* A ZIP archive: the module unpacks and checks it member by member; each goes alone. */
    guest_buffer_t member = {NULL, 0};
    int32_t next;
    while ((next = guest_upload_zip_member(id, data, size, &member)) >= 0) {
      const char* message = "";
      staging_mark(id, STAGING_IMPORTING);
      int outcome = import_instance(member.data, member.size, &message);
      staging_mark(id, STAGING_LIVE); /* the archive goes on */
      guest_buffer_free(&member);
      guest_upload_zip_member_done(id, outcome, message);
    }
    guest_buffer_free(&member);
    if (next != -1) {
      char line[200];
      snprintf(line, sizeof line, "WebDAV plugin: staged archive %s made the module trap; it is reported", id);
      orthanc_log_error(line);
      staging_mark(id, STAGING_TRAPPED);
    }
  }
  free(data);
  /* The staged bytes are removed when the module lists the id as discarded (plugin.c tick):
   * an imported file stays listed, and readable, for a few seconds. */
  return 1;
}

static void* worker_main(void* unused) {
  (void)unused;
  /* Imports are background work: a WebDAV client waits on every request it sends, one at a
   * time, so its requests go first. On 2 cores, workers at normal priority made a davfs2 copy
   * of 2,000 files take 1.3x as long as with them at this niceness (README "Uploads"). On
   * Linux the niceness of a thread is its own. */
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), INGEST_NICENESS);
  for (;;) {
    pthread_mutex_lock(&lock_);
    int stopping = stop_;
    pthread_mutex_unlock(&lock_);
    if (stopping) break;
    if (ingest_one()) continue;
    pthread_mutex_lock(&lock_);
    if (!stop_) {
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec += 1;
      pthread_cond_timedwait(&wake_, &lock_, &until);
    }
    pthread_mutex_unlock(&lock_);
  }
  return NULL;
}

void ingest_start(int workers) {
  pthread_mutex_lock(&lock_);
  for (int i = count_; i < workers && i < MAX_WORKERS; i++) {
    if (pthread_create(&workers_[i], NULL, worker_main, NULL) == 0) count_ = i + 1;
  }
  pthread_mutex_unlock(&lock_);
}

void ingest_wake(void) {
  pthread_mutex_lock(&lock_);
  pthread_cond_broadcast(&wake_);
  pthread_mutex_unlock(&lock_);
}

void ingest_stop(void) {
  pthread_mutex_lock(&lock_);
  stop_ = 1;
  pthread_cond_broadcast(&wake_);
  int count = count_;
  pthread_mutex_unlock(&lock_);
  for (int i = 0; i < count; i++) pthread_join(workers_[i], NULL);
}
