/* Finding and mapping the ivshmem relay through sysfs (pci.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gamehost/relay.h>

#include "pci.h"

/* Reads the first line of <sysfs>/bus/pci/devices/<addr>/<name> into buf.
 * 0, or a negative errno. */
static int
agent_pci_read_attr(const char *sysfs, const char *addr, const char *name, char *buf, size_t len)
{
    char path[4096];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", sysfs, addr, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* A hex id attribute ("0x1af4"), or -1 when absent or malformed. */
static long
agent_pci_read_id(const char *sysfs, const char *addr, const char *name)
{
    char buf[32], *end;
    unsigned long v;

    if (agent_pci_read_attr(sysfs, addr, name, buf, sizeof(buf)) < 0)
        return -1;
    errno = 0;
    v = strtoul(buf, &end, 16);
    if (errno != 0 || end == buf || *end != '\0' || v > 0xffff)
        return -1;
    return (long)v;
}

static int
agent_pci_is_entry(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

int
agent_pci_find_ivshmem(const char *sysfs, char *addr, size_t addrlen)
{
    char dir[4096];
    struct dirent **list;
    int n, found = -ENOENT;

    snprintf(dir, sizeof(dir), "%s/bus/pci/devices", sysfs);
    n = scandir(dir, &list, agent_pci_is_entry, alphasort);
    if (n < 0)
        return -ENOENT;
    for (int i = 0; i < n; i++) {
        if (found < 0 && agent_pci_read_id(sysfs, list[i]->d_name, "vendor") == AGENT_PCI_IVSHMEM_VENDOR &&
            agent_pci_read_id(sysfs, list[i]->d_name, "device") == AGENT_PCI_IVSHMEM_DEVICE) {
            snprintf(addr, addrlen, "%s", list[i]->d_name);
            found = 0;
        }
        free(list[i]);
    }
    free(list);
    return found;
}

/* Without a driver bound the device may not decode its BARs; "enable"
 * (pci_enable_device) turns decoding on.  Written only when it reads 0, since
 * each write takes one more enable count. */
static int
agent_pci_enable(const char *sysfs, const char *addr, char *err, size_t errlen)
{
    char path[4096], buf[16];
    int fd, r = agent_pci_read_attr(sysfs, addr, "enable", buf, sizeof(buf));

    if (r == 0 && strcmp(buf, "0") != 0)
        return 0;
    snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/enable", sysfs, addr);
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
        return r;
    }
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1", 1) != 1) {
        r = -errno;
        snprintf(err, errlen, "%s: writing 1: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return r;
    }
    close(fd);
    return 0;
}

int
agent_pci_map_bar2(const char *sysfs, const char *addr, agent_pci_bar *bar, char *err, size_t errlen)
{
    char path[4096];
    struct stat st;
    void *mem;
    int fd, r;

    memset(bar, 0, sizeof(*bar));
    r = agent_pci_enable(sysfs, addr, err, errlen);
    if (r < 0)
        return r;
    snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/resource2", sysfs, addr);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return r;
    }
    /* sysfs gives a resource file the size of its BAR. */
    if (fstat(fd, &st) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return r;
    }
    if (st.st_size < GH_RELAY_SLOTS_OFFSET) {
        snprintf(err, errlen, "%s: the BAR has %" PRIu64 " bytes, less than the relay's header page", path,
                 (uint64_t)st.st_size);
        close(fd);
        return -ENODEV;
    }
    mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    r = -errno;
    close(fd);
    if (mem == MAP_FAILED) {
        snprintf(err, errlen, "%s: mmap of %" PRIu64 " bytes: %s", path, (uint64_t)st.st_size, strerror(-r));
        return r;
    }
    snprintf(bar->addr, sizeof(bar->addr), "%s", addr);
    bar->mem = mem;
    bar->size = (uint64_t)st.st_size;
    return 0;
}

void
agent_pci_unmap(agent_pci_bar *bar)
{
    if (bar->mem)
        munmap(bar->mem, (size_t)bar->size);
    bar->mem = NULL;
    bar->size = 0;
}
