/* domain-private: shared by domain.c and domain-gpu.c: the parts of the
 * domain that come from a GPU assignment; and the frame-relay facts of a
 * session's domain, which the session (session.c, session-pipeline.c) needs
 * too. */
#pragma once

#include <libxml/tree.h>
#include "domain.h"

/* Refuses an assignment whose values cannot be written as libvirt expects;
 * the error names the field.  vnc_socket is what the session's VNC graphics
 * would use (an mdev display needs one). */
gboolean gh_domain_gpu_check(const GhGpuAssignment *gpu, const char *vnc_socket, GError **error);
/* The host CPUs the vCPUs are pinned to (the GPU's NUMA node), or NULL. */
const char *gh_domain_gpu_cpuset(const GhGpuAssignment *gpu);
/* Whether the GPU replaces the emulated display entirely (PCI and VF: no VNC
 * graphics); an mdev exports its display through the VNC graphics. */
gboolean gh_domain_gpu_replaces_graphics(const GhGpuAssignment *gpu);
/* <numatune> when the GPU's NUMA node is known. */
void gh_domain_gpu_add_numatune(xmlNodePtr domain, const GhGpuAssignment *gpu);
/* The <hostdev> elements: the GPU (or mdev) first, then its companions. */
void gh_domain_gpu_add_hostdevs(xmlNodePtr devices, const GhGpuAssignment *gpu);
