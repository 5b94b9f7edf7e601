/* capture-relay's internals the unit tests reach (not exported: the plugin
 * is built with -fvisibility=hidden). */
#ifndef CAPTURE_RELAY_H
#define CAPTURE_RELAY_H

#include <stdint.h>

#include <gamehost/plugin.h>

#include "relay-read.h"

/* Tests only: hook runs inside every slot read, after the pixel copy. */
void cr_instance_set_copy_hook(gh_instance *inst, cr_copy_hook hook, void *data);

/* Tests only: the instance's own read-only mapping of the region. */
const uint8_t *cr_instance_region(gh_instance *inst, uint64_t *size);

#endif /* CAPTURE_RELAY_H */
