/*
 * demo-arena: PCI configuration space through the legacy 0xCF8/0xCFC ports,
 * and finding a function by vendor and device id.
 */
#include "pci.h"

u32 pci_read(u32 bus, u32 dev, u32 fn, u32 off)
{
    outl(0xCF8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (off & 0xFC));
    return inl(0xCFC);
}

void pci_write(u32 bus, u32 dev, u32 fn, u32 off, u32 v)
{
    outl(0xCF8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (off & 0xFC));
    outl(0xCFC, v);
}

int pci_find(u16 vendor, u16 device, struct pci_loc *out)
{
    for (u32 bus = 0; bus < 256; bus++) {
        for (u32 dev = 0; dev < 32; dev++) {
            u32 id0 = pci_read(bus, dev, 0, 0);
            if ((id0 & 0xFFFF) == 0xFFFF)
                continue;
            u32 nfn = (pci_read(bus, dev, 0, 0x0C) & 0x00800000u) ? 8 : 1;
            for (u32 fn = 0; fn < nfn; fn++) {
                u32 id = fn ? pci_read(bus, dev, fn, 0) : id0;
                if ((id & 0xFFFF) == vendor && (id >> 16) == device) {
                    out->bus = bus;
                    out->dev = dev;
                    out->fn = fn;
                    return 1;
                }
            }
        }
    }
    return 0;
}
