/*
 * demo-arena: a polled driver for the Intel ICH AC97 (PCI 8086:2415, QEMU's
 * -device AC97): reset, mixer, 48 kHz rates, and the PCM-out and PCM-in DMA
 * boxes as loops of 32 buffer descriptors.  No IRQ: the game polls.
 */
#include "ac97.h"
#include "pci.h"

/* Mixer (NAM) registers. */
#define NAM_RESET 0x00
#define NAM_MASTER 0x02
#define NAM_MIC 0x0E
#define NAM_PCM_OUT 0x18
#define NAM_REC_SELECT 0x1A
#define NAM_REC_GAIN 0x1C
#define NAM_EXT_CTRL 0x2A
#define NAM_DAC_RATE 0x2C
#define NAM_ADC_RATE 0x32
#define EXT_VRA 0x0001

/* Bus master (NABM) registers: boxes at 0x00 (PCM in) and 0x10 (PCM out). */
#define NABM_PCM_IN 0x00
#define NABM_PCM_OUT 0x10
#define BOX_BDBAR 0x00
#define BOX_CIV 0x04
#define BOX_LVI 0x05
#define BOX_PICB 0x08
#define BOX_CR 0x0B
#define CR_RPBM 0x01 /* run */
#define CR_RR 0x02   /* reset the box */
#define NABM_GLOB_CNT 0x2C
#define NABM_GLOB_STA 0x30
#define GLOB_CNT_COLD 0x02 /* 1: out of cold reset */
#define GLOB_STA_CODEC_READY 0x100

static u16 ac97_io_bar(const struct pci_loc *d, u32 off)
{
    u32 bar = pci_read(d->bus, d->dev, d->fn, off);
    return (bar & 1) ? (u16)(bar & 0xFFFCu) : 0;
}

/* Cold reset: the codec is ready again when GLOB_STA says so. */
static int ac97_cold_reset(const struct ac97 *ac)
{
    outl(ac->nabm + NABM_GLOB_CNT, 0);
    for (u32 i = 0; i < 16; i++)
        io_wait(); /* AC_RESET# low for at least 1 us */
    outl(ac->nabm + NABM_GLOB_CNT, GLOB_CNT_COLD);
    for (u32 i = 0; i < 1000000; i++)
        if (inl(ac->nabm + NABM_GLOB_STA) & GLOB_STA_CODEC_READY)
            return 1;
    return 0;
}

/*
 * QEMU's mixer reset leaves master, PCM out and record gain muted.  It maps
 * the attenuation registers linearly and 0 to unity (a real codec would give
 * +12 dB on PCM out), and the record gain 0..15 to silence..unity: these
 * values pass samples through unchanged both ways.
 */
static void ac97_mixer_init(struct ac97 *ac)
{
    outw(ac->nam + NAM_RESET, 0);
    outw(ac->nam + NAM_MASTER, 0x0000);
    outw(ac->nam + NAM_PCM_OUT, 0x0000);
    outw(ac->nam + NAM_MIC, 0x0008);        /* 0 dB, unmuted */
    outw(ac->nam + NAM_REC_SELECT, 0x0000); /* left and right: mic */
    outw(ac->nam + NAM_REC_GAIN, 0x0F0F);
    outw(ac->nam + NAM_EXT_CTRL, inw(ac->nam + NAM_EXT_CTRL) | EXT_VRA);
    outw(ac->nam + NAM_DAC_RATE, (u16)AC97_RATE);
    outw(ac->nam + NAM_ADC_RATE, (u16)AC97_RATE);
    ac->dac_rate = inw(ac->nam + NAM_DAC_RATE);
    ac->adc_rate = inw(ac->nam + NAM_ADC_RATE);
}

/* Resets the box and loads its list: descriptor k covers ring buffer k. */
static void ac97_box_init(struct ac97_box *box, u16 port)
{
    box->port = port;
    outb(port + BOX_CR, CR_RR);
    for (u32 i = 0; i < 1000 && (inb(port + BOX_CR) & CR_RR); i++)
        ;
    for (u32 k = 0; k < AC97_BUFS; k++) {
        box->bdl[k].addr = (u32)&box->ring[k * AC97_BUF_FRAMES];
        box->bdl[k].ctl_len = AC97_BUF_FRAMES * 2; /* no IRQ; silence on underrun */
    }
    outl(port + BOX_BDBAR, (u32)box->bdl);
}

int ac97_init(struct ac97 *ac, const char **why)
{
    struct pci_loc d;
    if (!pci_find(0x8086, 0x2415, &d))
        return 0;
    u32 cmd = pci_read(d.bus, d.dev, d.fn, 0x04) & 0xFFFF;
    pci_write(d.bus, d.dev, d.fn, 0x04, cmd | 0x5u); /* I/O decoding, bus master */
    ac->nam = ac97_io_bar(&d, 0x10);
    ac->nabm = ac97_io_bar(&d, 0x14);
    if (!ac->nam || !ac->nabm) {
        *why = "bar0 or bar1 is not an assigned I/O BAR";
        return -1;
    }
    if (!ac97_cold_reset(ac)) {
        *why = "codec not ready after cold reset";
        return -1;
    }
    ac97_mixer_init(ac);
    ac97_box_init(&ac->out, ac->nabm + NABM_PCM_OUT);
    ac97_box_init(&ac->in, ac->nabm + NABM_PCM_IN);
    return 1;
}

void ac97_start(struct ac97_box *box, u32 last)
{
    outb(box->port + BOX_LVI, (u8)last);
    outb(box->port + BOX_CR, CR_RPBM);
}

/* CIV and PICB are two reads: retried until CIV did not move between them. */
u32 ac97_position(const struct ac97_box *box)
{
    u32 civ, picb;
    do {
        civ = inb(box->port + BOX_CIV) & (AC97_BUFS - 1);
        picb = inw(box->port + BOX_PICB) / 2u; /* samples left -> frames */
    } while (civ != (inb(box->port + BOX_CIV) & (AC97_BUFS - 1)));
    if (picb > AC97_BUF_FRAMES)
        picb = AC97_BUF_FRAMES;
    return (civ * AC97_BUF_FRAMES + AC97_BUF_FRAMES - picb) % AC97_RING_FRAMES;
}

void ac97_set_last(struct ac97_box *box, u32 last)
{
    outb(box->port + BOX_LVI, (u8)(last % AC97_BUFS));
}
