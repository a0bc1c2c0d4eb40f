/* See instance_cache.h. An instance's file is looked up by its id and its length: the module
 * names both from its catalog for every answer (byte_cache.c says why that is enough). */
#include "instance_cache.h"

#include "orthanc.h"

#include <stdio.h>
#include <stdlib.h>

static void free_dicom(void* dicom) {
  orthanc_dicom_free(dicom);
  free(dicom);
}

byte_entry_t* instance_file_open(const char* id, uint64_t total, int keep) {
  char key[112];
  if (snprintf(key, sizeof key, "instance %s", id) >= (int)sizeof key) return NULL;
  byte_entry_t* kept = byte_cache_find(key, total);
  if (kept != NULL) return kept;
  orthanc_dicom_t* dicom = calloc(1, sizeof *dicom);
  if (dicom == NULL) return NULL;
  if (orthanc_dicom_of(id, dicom) != 0) {
    free(dicom);
    return NULL;
  }
  if (dicom->buffer.size != total) {
    free_dicom(dicom);
    return NULL;
  }
  return byte_cache_add(key, dicom->buffer.data, total, free_dicom, dicom, keep);
}
