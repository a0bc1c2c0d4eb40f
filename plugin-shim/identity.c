#include "identity.h"

#include <stdlib.h>
#include <string.h>

/* Per thread, grown on demand and kept for the thread's life (Orthanc's HTTP threads live as
 * long as the server). Heap, not stack: the HTTP threads have small stacks. */
static __thread char* identity_ = NULL;
static __thread size_t identityCapacity_ = 0;
static __thread char* uri_ = NULL;
static __thread size_t uriCapacity_ = 0;

static int store(char** target, size_t* capacity, const char* value, size_t size) {
  if (size + 1 > *capacity) {
    char* grown = realloc(*target, size + 1);
    if (grown == NULL) return -1;
    *target = grown;
    *capacity = size + 1;
  }
  memcpy(*target, value, size);
  (*target)[size] = '\0';
  return 0;
}

void identity_record(const char* identity, size_t identitySize, const char* uri) {
  /* If either cannot be kept, nothing is: an empty identity grants nothing. */
  if (store(&identity_, &identityCapacity_, identity, identitySize) != 0 ||
      store(&uri_, &uriCapacity_, uri, strlen(uri)) != 0) {
    identity_forget();
  }
}

void identity_current(const char** identity, const char** uri) {
  *identity = identity_ != NULL ? identity_ : "";
  *uri = uri_ != NULL ? uri_ : "";
}

void identity_forget(void) {
  if (identity_ != NULL) identity_[0] = '\0';
  if (uri_ != NULL) uri_[0] = '\0';
}
