/*
 * demo-arena: PCI configuration space through the legacy 0xCF8/0xCFC ports,
 * and finding a function by vendor and device id (pci.c).
 */
#ifndef DEMO_ARENA_PCI_H
#define DEMO_ARENA_PCI_H

#include "hw.h"

struct pci_loc {
    u32 bus, dev, fn;
};

u32 pci_read(u32 bus, u32 dev, u32 fn, u32 off);
void pci_write(u32 bus, u32 dev, u32 fn, u32 off, u32 v);
/* 1 and *out set when a function with these ids exists (the first one). */
int pci_find(u16 vendor, u16 device, struct pci_loc *out);

#endif
