/* The guest agent's way to the frame relay: the ivshmem-plain PCI device
 * found in sysfs, its memory decoding turned on, and its BAR2 mapped.  The
 * sysfs root is a parameter, so tests use a fake tree in a temp dir.  No
 * logging: callers get an errno and a message. */
#ifndef AGENT_PCI_H
#define AGENT_PCI_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_PCI_IVSHMEM_VENDOR 0x1af4u
#define AGENT_PCI_IVSHMEM_DEVICE 0x1110u

typedef struct agent_pci_bar {
    char addr[64];     /* the device's PCI address, "0000:00:05.0" */
    uint8_t *mem;      /* BAR2, read-write, MAP_SHARED; NULL: not mapped */
    uint64_t size;
} agent_pci_bar;

/* The first device (in address order) under <sysfs>/bus/pci/devices with
 * vendor 0x1af4 and device 0x1110, its address in addr.  0, or -ENOENT. */
int agent_pci_find_ivshmem(const char *sysfs, char *addr, size_t addrlen);

/* Turns memory decoding on (writes "1" to enable when it reads "0") and maps
 * resource2 of the device at addr.  0, or a negative errno with err saying
 * which file and why. */
int agent_pci_map_bar2(const char *sysfs, const char *addr, agent_pci_bar *bar, char *err, size_t errlen);

/* Unmaps; bar may be unmapped already. */
void agent_pci_unmap(agent_pci_bar *bar);

#endif /* AGENT_PCI_H */
