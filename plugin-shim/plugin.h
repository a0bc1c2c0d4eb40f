#ifndef WEBDAV_PLUGIN_H
#define WEBDAV_PLUGIN_H

#include <orthanc/OrthancCPlugin.h>

#define PLUGIN_NAME "webdav-share"

OrthancPluginContext* plugin_context(void);

#endif
