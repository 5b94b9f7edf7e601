/*
 * demo-arena: a tiny freestanding 32-bit x86 game for the gamehost runtime.
 *
 * Boots via multiboot v1 (QEMU -kernel, or syslinux mboot.c32), finds the
 * Bochs VGA PCI device, sets 640x480x32 through the Bochs VBE registers and
 * runs a 60 Hz game loop paced by PIT IRQ0 with HLT between frames.  The
 * player (a yellow square) is moved with the arrow keys and the PS/2 mouse.
 * Everything interesting is logged to COM1 as "demo-arena: ..." lines.
 * When an ivshmem-plain device (1af4:1110) is present, every frame is also
 * written into its memory (BAR2) following the gamehost frame relay
 * protocol (include/gamehost/relay.h): the reference relay producer.
 * With an AC97 sound card it plays a click per move, a tone while a key is
 * held and, on F8, a white frame with a click (A/V sync), and meters the
 * microphone (sound.c).
 *
 * Build: gcc -m32 -ffreestanding -fno-pic -fno-stack-protector -nostdlib -O2
 */

#include <gamehost/relay.h> /* freestanding: only <stdint.h>, from gcc */

#include "hw.h"
#include "pci.h"
#include "sound.h"

#define SCREEN_W 640
#define SCREEN_H 480
#define SCREEN_BPP 32

/* Arena layout: hue stripe 0..7, border 8..15, playfield 16..(W-16). */
#define STRIPE 8
#define BORDER 8
#define ARENA_X0 (STRIPE + BORDER)
#define ARENA_Y0 (STRIPE + BORDER)
#define ARENA_X1 (SCREEN_W - STRIPE - BORDER) /* exclusive */
#define ARENA_Y1 (SCREEN_H - STRIPE - BORDER) /* exclusive */

#define PLAYER_SIZE 24
#define PLAYER_HALF (PLAYER_SIZE / 2)
#define PLAYER_OUTLINE 2
#define PLAYER_STEP 8
#define PLAYER_COLOR 0xFFFF00u
#define OUTLINE_COLOR 0x101010u

#define BALL_R 10

#define FPS 60
#define PIT_HZ 1193182u

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static void __attribute__((noreturn)) halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* GCC may emit calls to these even in freestanding mode. */
void *memset(void *d, int c, u32 n);
void *memcpy(void *d, const void *s, u32 n);

void *memset(void *d, int c, u32 n)
{
    void *ret = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return ret;
}

void *memcpy(void *d, const void *s, u32 n)
{
    void *ret = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return ret;
}

/* Unrolled plain moves: under QEMU TCG this beats "rep movsl" noticeably. */
static inline void copy32(u32 *d, const u32 *s, u32 n)
{
    while (n >= 8) {
        u32 a = s[0], b = s[1], c = s[2], e = s[3];
        u32 f = s[4], g = s[5], h = s[6], i = s[7];
        d[0] = a; d[1] = b; d[2] = c; d[3] = e;
        d[4] = f; d[5] = g; d[6] = h; d[7] = i;
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--)
        *d++ = *s++;
}

/* 128 bytes per step through the SSE registers (n: a multiple of 32 u32s,
 * both pointers 16-byte aligned).  Under TCG a 16-byte move costs about
 * what a 4-byte one does, so this moves a frame several times faster than
 * copy32.  Only when sse_enable() said yes; nothing else uses SSE. */
static inline void copy_sse(u32 *d, const u32 *s, u32 n)
{
    for (; n >= 32; n -= 32, d += 32, s += 32)
        __asm__ volatile("movaps   (%1), %%xmm0\n\t"
                         "movaps 16(%1), %%xmm1\n\t"
                         "movaps 32(%1), %%xmm2\n\t"
                         "movaps 48(%1), %%xmm3\n\t"
                         "movaps 64(%1), %%xmm4\n\t"
                         "movaps 80(%1), %%xmm5\n\t"
                         "movaps 96(%1), %%xmm6\n\t"
                         "movaps 112(%1), %%xmm7\n\t"
                         "movaps %%xmm0,   (%0)\n\t"
                         "movaps %%xmm1, 16(%0)\n\t"
                         "movaps %%xmm2, 32(%0)\n\t"
                         "movaps %%xmm3, 48(%0)\n\t"
                         "movaps %%xmm4, 64(%0)\n\t"
                         "movaps %%xmm5, 80(%0)\n\t"
                         "movaps %%xmm6, 96(%0)\n\t"
                         "movaps %%xmm7, 112(%0)"
                         : : "r"(d), "r"(s) : "memory");
}

/* Turns SSE on (CR0.EM off, MP on; CR4.OSFXSR) when the CPU has it. */
static int sse_enable(void)
{
    u32 a = 1, b, c, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    if (!(d & (1u << 25)))
        return 0;
    u32 cr;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr));
    cr = (cr & ~(1u << 2)) | (1u << 1);
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr));
    cr |= 1u << 9;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr));
    return 1;
}

static inline void fill32(u32 *d, u32 v, u32 n)
{
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

/* ------------------------------------------------------------------ */
/* COM1 serial log                                                      */

#define COM1 0x3F8

static void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FIFO on, clear, 14-byte threshold */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
    u32 spins = 100000;
    while (!(inb(COM1 + 5) & 0x20) && --spins)
        ;
    outb(COM1, (u8)c);
}

static void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

static void put_uint(u32 v, u32 base, int width)
{
    char buf[12];
    int n = 0;
    do {
        u32 d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v && n < (int)sizeof buf);
    while (n < width && n < (int)sizeof buf)
        buf[n++] = '0';
    while (n > 0)
        serial_putc(buf[--n]);
}

/* log_line("fmt", ...): prints "demo-arena: <fmt>\n".
 * Supports %s %c %d %u %x and a zero-padded width for %x/%u (e.g. %02x). */
static void log_line(const char *fmt, ...)
{
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    serial_puts("demo-arena: ");
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            serial_putc(*p);
            continue;
        }
        p++;
        int width = 0;
        if (*p == '0')
            p++;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        switch (*p) {
        case 's': serial_puts(__builtin_va_arg(ap, const char *)); break;
        case 'c': serial_putc((char)__builtin_va_arg(ap, int)); break;
        case 'u': put_uint(__builtin_va_arg(ap, u32), 10, width); break;
        case 'x': put_uint(__builtin_va_arg(ap, u32), 16, width); break;
        case 'd': {
            i32 v = __builtin_va_arg(ap, i32);
            if (v < 0) {
                serial_putc('-');
                put_uint((u32)-v, 10, width);
            } else {
                put_uint((u32)v, 10, width);
            }
            break;
        }
        case '%': serial_putc('%'); break;
        case 0: p--; break;
        default: serial_putc('%'); serial_putc(*p); break;
        }
    }
    serial_putc('\n');
    __builtin_va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Bochs VBE                                                            */

#define VBE_INDEX 0x1CE
#define VBE_DATA 0x1CF
#define VBE_ID 0
#define VBE_XRES 1
#define VBE_YRES 2
#define VBE_BPP 3
#define VBE_ENABLE 4
#define VBE_VIRT_WIDTH 6
#define VBE_VIRT_HEIGHT 7
#define VBE_X_OFFSET 8
#define VBE_Y_OFFSET 9
#define VBE_ENABLED 0x01
#define VBE_LFB_ENABLED 0x40

/* The DISPI registers are normally reached through I/O ports 0x1CE/0x1CF.
 * QEMU's devices also expose them as MMIO at BAR2 + 0x500 (16 bits each);
 * that is used when the ports do not answer (bochs-display, which has no
 * VGA ports, or a VGA behind a PCI bridge without VGA forwarding). */
static volatile u16 *vbe_mmio;

static void vbe_write(u16 idx, u16 v)
{
    if (vbe_mmio) {
        vbe_mmio[idx] = v;
        return;
    }
    outw(VBE_INDEX, idx);
    outw(VBE_DATA, v);
}

static u16 vbe_read(u16 idx)
{
    if (vbe_mmio)
        return vbe_mmio[idx];
    outw(VBE_INDEX, idx);
    return inw(VBE_DATA);
}

static int vbe_id_ok(u16 id) { return id >= 0xB0C0 && id <= 0xB0CF; }

static int vbe_set_mode(u32 w, u32 h, u32 bpp, u32 bar2)
{
    vbe_mmio = 0;
    if (!vbe_id_ok(vbe_read(VBE_ID))) {
        if ((bar2 & 1) || (bar2 & ~0xFu) == 0)
            return 0;
        vbe_mmio = (volatile u16 *)((bar2 & ~0xFu) + 0x500);
        if (!vbe_id_ok(vbe_read(VBE_ID)))
            return 0;
    }
    vbe_write(VBE_ENABLE, 0);
    vbe_write(VBE_XRES, (u16)w);
    vbe_write(VBE_YRES, (u16)h);
    vbe_write(VBE_BPP, (u16)bpp);
    vbe_write(VBE_VIRT_WIDTH, (u16)w);
    vbe_write(VBE_X_OFFSET, 0);
    vbe_write(VBE_Y_OFFSET, 0);
    vbe_write(VBE_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    return vbe_read(VBE_XRES) == w && vbe_read(VBE_YRES) == h && vbe_read(VBE_BPP) == bpp;
}

/* ------------------------------------------------------------------ */
/* IDT, PIC, PIT                                                        */

struct idt_entry {
    u16 off_lo;
    u16 sel;
    u8 zero;
    u8 type;
    u16 off_hi;
} __attribute__((packed));

struct idt_ptr {
    u16 limit;
    u32 base;
} __attribute__((packed));

static struct idt_entry idt[256];

extern void isr_irq0(void);
extern void isr_irq_master(void);
extern void isr_irq_slave(void);
extern void isr_ignore(void);
extern char exc_stubs[];

void irq0_handler(void);
void exception_handler(u32 vector);

static volatile u32 ticks;

void irq0_handler(void)
{
    ticks++;
    outb(0x20, 0x20);
}

void exception_handler(u32 vector)
{
    log_line("error cpu exception %u", vector);
    halt_forever();
}

static void idt_set(u32 n, u32 handler)
{
    idt[n].off_lo = (u16)(handler & 0xFFFF);
    idt[n].sel = 0x08;
    idt[n].zero = 0;
    idt[n].type = 0x8E; /* present, ring 0, 32-bit interrupt gate */
    idt[n].off_hi = (u16)(handler >> 16);
}

static void idt_init(void)
{
    for (u32 i = 0; i < 256; i++)
        idt_set(i, (u32)isr_ignore);
    for (u32 i = 0; i < 32; i++)
        idt_set(i, (u32)(exc_stubs + 16 * i));
    idt_set(0x20, (u32)isr_irq0);
    for (u32 i = 0x21; i < 0x28; i++)
        idt_set(i, (u32)isr_irq_master);
    for (u32 i = 0x28; i < 0x30; i++)
        idt_set(i, (u32)isr_irq_slave);
    struct idt_ptr p = { sizeof idt - 1, (u32)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

static void pic_init(void)
{
    outb(0x20, 0x11); io_wait(); /* ICW1: init, ICW4 needed */
    outb(0xA0, 0x11); io_wait();
    outb(0x21, 0x20); io_wait(); /* ICW2: master vectors 0x20..0x27 */
    outb(0xA1, 0x28); io_wait(); /* ICW2: slave vectors 0x28..0x2F */
    outb(0x21, 0x04); io_wait(); /* ICW3: slave on IRQ2 */
    outb(0xA1, 0x02); io_wait();
    outb(0x21, 0x01); io_wait(); /* ICW4: 8086 mode */
    outb(0xA1, 0x01); io_wait();
    outb(0x21, 0xFE);            /* only IRQ0 unmasked; input is polled */
    outb(0xA1, 0xFF);
}

static void pit_init(u32 hz)
{
    u32 div = (PIT_HZ + hz / 2) / hz;
    outb(0x43, 0x34); /* channel 0, lo/hi byte, mode 2 (rate generator) */
    outb(0x40, (u8)(div & 0xFF));
    outb(0x40, (u8)(div >> 8));
}

/* Sleep (HLT) until the tick counter moves past `last`.  The cli/sti;hlt
 * sequence closes the race between the check and the halt. */
static u32 wait_tick(u32 last)
{
    for (;;) {
        __asm__ volatile("cli" ::: "memory");
        u32 now = ticks;
        if (now != last) {
            __asm__ volatile("sti" ::: "memory");
            return now;
        }
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

/* ------------------------------------------------------------------ */
/* PS/2 controller: keyboard (set 1 via translation) and mouse          */

#define PS2_DATA 0x60
#define PS2_STATUS 0x64
#define PS2_CMD 0x64
#define PS2_OBF 0x01
#define PS2_IBF 0x02
#define PS2_AUX 0x20

static void ps2_wait_write(void)
{
    for (u32 i = 0; i < 100000 && (inb(PS2_STATUS) & PS2_IBF); i++)
        ;
}

static int ps2_wait_read(void)
{
    for (u32 i = 0; i < 100000; i++)
        if (inb(PS2_STATUS) & PS2_OBF)
            return 1;
    return 0;
}

static void ps2_cmd(u8 c)
{
    ps2_wait_write();
    outb(PS2_CMD, c);
}

static void ps2_data(u8 d)
{
    ps2_wait_write();
    outb(PS2_DATA, d);
}

static void ps2_flush(void)
{
    for (u32 i = 0; i < 64 && (inb(PS2_STATUS) & PS2_OBF); i++)
        (void)inb(PS2_DATA);
}

static int mouse_cmd(u8 c)
{
    ps2_cmd(0xD4);
    ps2_data(c);
    if (!ps2_wait_read())
        return 0;
    return inb(PS2_DATA) == 0xFA;
}

static int ps2_init(void)
{
    ps2_cmd(0xAD); /* disable keyboard port */
    ps2_cmd(0xA7); /* disable aux port */
    ps2_flush();
    ps2_cmd(0x20); /* read controller configuration */
    u8 cfg = ps2_wait_read() ? inb(PS2_DATA) : 0x40;
    cfg |= 0x40;           /* translate to scancode set 1 */
    cfg &= (u8)~0x03;      /* no IRQ1/IRQ12: we poll once per frame */
    cfg &= (u8)~0x30;      /* keyboard and aux clocks enabled */
    ps2_cmd(0x60);
    ps2_data(cfg);
    ps2_cmd(0xAE); /* enable keyboard port */
    ps2_cmd(0xA8); /* enable aux port */
    ps2_flush();
    int ok = mouse_cmd(0xF6); /* defaults */
    ok = mouse_cmd(0xF4) && ok; /* enable data reporting */
    ps2_flush();
    return ok;
}

/* ------------------------------------------------------------------ */
/* Game state and rendering                                             */

/*
 * The scene is drawn into a RAM back buffer and copied to the LFB.  To keep
 * the host cost of an emulated (TCG) guest low, the slow background
 * animation (scrolling/pulsing stripes, rotating hue frame) advances every
 * BG_PERIOD frames and only then is the whole screen redrawn and copied;
 * on the other frames only the rectangles the ball and the player left and
 * entered are redrawn and copied.  Every drawing primitive clips to the
 * current region, so a region redraw is exactly the full scene, clipped.
 */
#define BG_PERIOD 4

struct rect {
    i32 x0, y0, x1, y1; /* x1/y1 exclusive */
};

static u32 backbuf[SCREEN_W * SCREEN_H] __attribute__((aligned(16)));
static u32 patline[SCREEN_W + 64];
static volatile u32 *lfb;

static i32 player_x = SCREEN_W / 2, player_y = SCREEN_H / 2; /* centre */
static i32 ball_x = 160 << 4, ball_y = 120 << 4;             /* 28.4 fixed */
static i32 ball_vx = 37, ball_vy = 23;
static u32 frames;
static u32 bg_phase;
static struct rect clip;

static i32 clampi(i32 v, i32 lo, i32 hi) { return v < lo ? lo : v > hi ? hi : v; }
static i32 maxi(i32 a, i32 b) { return a > b ? a : b; }
static i32 mini(i32 a, i32 b) { return a < b ? a : b; }

static void player_move(i32 dx, i32 dy)
{
    player_x = clampi(player_x + dx, ARENA_X0 + PLAYER_HALF, ARENA_X1 - PLAYER_HALF);
    player_y = clampi(player_y + dy, ARENA_Y0 + PLAYER_HALF, ARENA_Y1 - PLAYER_HALF);
}

static void fill_rect(i32 x, i32 y, i32 w, i32 h, u32 c)
{
    i32 x0 = maxi(x, clip.x0), x1 = mini(x + w, clip.x1);
    i32 y0 = maxi(y, clip.y0), y1 = mini(y + h, clip.y1);
    if (x1 <= x0)
        return;
    for (i32 yy = y0; yy < y1; yy++)
        fill32(&backbuf[yy * SCREEN_W + x0], c, (u32)(x1 - x0));
}

static inline void put_px(i32 x, i32 y, u32 c)
{
    if (x >= clip.x0 && x < clip.x1 && y >= clip.y0 && y < clip.y1)
        backbuf[y * SCREEN_W + x] = c;
}

static void circle_outline(i32 cx, i32 cy, i32 r, u32 c)
{
    if (cx + r < clip.x0 || cx - r >= clip.x1 || cy + r < clip.y0 || cy - r >= clip.y1)
        return;
    i32 x = r, y = 0, err = 1 - r;
    while (x >= y) {
        put_px(cx + x, cy + y, c); put_px(cx - x, cy + y, c);
        put_px(cx + x, cy - y, c); put_px(cx - x, cy - y, c);
        put_px(cx + y, cy + x, c); put_px(cx - y, cy + x, c);
        put_px(cx + y, cy - x, c); put_px(cx - y, cy - x, c);
        y++;
        if (err < 0) {
            err += 2 * y + 1;
        } else {
            x--;
            err += 2 * (y - x) + 1;
        }
    }
}

static void disc(i32 cx, i32 cy, i32 r, u32 c)
{
    for (i32 dy = -r; dy <= r; dy++) {
        i32 w = 0;
        while ((w + 1) * (w + 1) + dy * dy <= r * r)
            w++;
        fill_rect(cx - w, cy + dy, 2 * w + 1, 1, c);
    }
}

/* Hue wheel with capped brightness (never pure 0xFFFF00: that is the player). */
static u32 hue(u32 h)
{
    h %= 768;
    u32 r, g, b, t = h % 256;
    if (h < 256) { r = 255 - t; g = t; b = 0; }
    else if (h < 512) { r = 0; g = 255 - t; b = t; }
    else { r = t; g = 0; b = 255 - t; }
    r = r * 7 / 8; g = g * 7 / 8; b = b * 7 / 8;
    return (r << 16) | (g << 8) | b;
}

/* Triangle wave 0..63..0 with period 128 steps. */
static u32 pulse(u32 f)
{
    f &= 127;
    return f < 64 ? f : 127 - f;
}

/* Rebuild the background stripe line for the current phase. */
static void bg_prepare(void)
{
    u32 p = pulse(bg_phase * 2);
    u32 ca = ((12 + p / 4) << 16) | ((14 + p / 8) << 8) | (40 + p / 2);
    u32 cb = (8 << 16) | (10 << 8) | 26;
    for (u32 i = 0; i < SCREEN_W + 64; i++)
        patline[i] = (i & 16) ? ca : cb;
}

static struct rect ball_rect(void)
{
    i32 bx = ball_x >> 4, by = ball_y >> 4;
    struct rect r = { bx - BALL_R - 1, by - BALL_R - 1, bx + BALL_R + 2, by + BALL_R + 2 };
    return r;
}

static struct rect player_rect(void)
{
    i32 m = PLAYER_HALF + PLAYER_OUTLINE;
    struct rect r = { player_x - m, player_y - m, player_x + m, player_y + m };
    return r;
}

/* Draw the whole scene, clipped to r. */
static void render_region(struct rect r)
{
    clip.x0 = clampi(r.x0, 0, SCREEN_W);
    clip.x1 = clampi(r.x1, 0, SCREEN_W);
    clip.y0 = clampi(r.y0, 0, SCREEN_H);
    clip.y1 = clampi(r.y1, 0, SCREEN_H);
    if (clip.x1 <= clip.x0 || clip.y1 <= clip.y0)
        return;

    /* Background: diagonal-ish scrolling stripes, brightness pulsing. */
    i32 bx0 = maxi(clip.x0, ARENA_X0), bx1 = mini(clip.x1, ARENA_X1);
    i32 by0 = maxi(clip.y0, ARENA_Y0), by1 = mini(clip.y1, ARENA_Y1);
    if (bx1 > bx0) {
        for (i32 y = by0; y < by1; y++) {
            const u32 *src = &patline[(((u32)y + bg_phase) & 31) + (u32)bx0];
            copy32(&backbuf[y * SCREEN_W + bx0], src, (u32)(bx1 - bx0));
        }
    }

    /* Field markings: centre line and centre circle. */
    const u32 mark = 0x3A4A78;
    fill_rect(SCREEN_W / 2 - 1, ARENA_Y0, 2, ARENA_Y1 - ARENA_Y0, mark);
    circle_outline(SCREEN_W / 2, SCREEN_H / 2, 60, mark);
    circle_outline(SCREEN_W / 2, SCREEN_H / 2, 61, mark);

    /* Border, and a rotating hue frame around it. */
    const u32 border = 0x00A0E0;
    fill_rect(STRIPE, STRIPE, SCREEN_W - 2 * STRIPE, BORDER, border);
    fill_rect(STRIPE, SCREEN_H - STRIPE - BORDER, SCREEN_W - 2 * STRIPE, BORDER, border);
    fill_rect(STRIPE, STRIPE, BORDER, SCREEN_H - 2 * STRIPE, border);
    fill_rect(SCREEN_W - STRIPE - BORDER, STRIPE, BORDER, SCREEN_H - 2 * STRIPE, border);
    if (clip.y0 < STRIPE || clip.y1 > SCREEN_H - STRIPE) {
        for (i32 x = clip.x0; x < clip.x1; x++) {
            u32 c = hue((u32)x * 768 / SCREEN_W + bg_phase * 32);
            fill_rect(x, 0, 1, STRIPE, c);
            fill_rect(x, SCREEN_H - STRIPE, 1, STRIPE, c);
        }
    }
    if (clip.x0 < STRIPE || clip.x1 > SCREEN_W - STRIPE) {
        for (i32 y = maxi(clip.y0, STRIPE); y < mini(clip.y1, SCREEN_H - STRIPE); y++) {
            u32 c = hue((u32)y * 768 / SCREEN_H + bg_phase * 32 + 384);
            fill_rect(0, y, STRIPE, 1, c);
            fill_rect(SCREEN_W - STRIPE, y, STRIPE, 1, c);
        }
    }

    /* Bouncing ball. */
    i32 bx = ball_x >> 4, by = ball_y >> 4;
    disc(bx, by, BALL_R + 1, 0x400000);
    disc(bx, by, BALL_R, 0xFF3828);
    disc(bx - 3, by - 3, 3, 0xFFB0A0);

    /* Player: 24x24 yellow square with a 2-pixel dark outline. */
    i32 px = player_x - PLAYER_HALF, py = player_y - PLAYER_HALF;
    fill_rect(px - PLAYER_OUTLINE, py - PLAYER_OUTLINE, PLAYER_SIZE + 2 * PLAYER_OUTLINE,
              PLAYER_SIZE + 2 * PLAYER_OUTLINE, OUTLINE_COLOR);
    fill_rect(px, py, PLAYER_SIZE, PLAYER_SIZE, PLAYER_COLOR);
}

/* Copy the back-buffer rectangle r to the linear framebuffer. */
static void present_region(struct rect r)
{
    i32 x0 = clampi(r.x0, 0, SCREEN_W), x1 = clampi(r.x1, 0, SCREEN_W);
    i32 y0 = clampi(r.y0, 0, SCREEN_H), y1 = clampi(r.y1, 0, SCREEN_H);
    if (x1 <= x0)
        return;
    for (i32 y = y0; y < y1; y++)
        copy32((u32 *)&lfb[y * SCREEN_W + x0], &backbuf[y * SCREEN_W + x0], (u32)(x1 - x0));
}

static const struct rect full_screen = { 0, 0, SCREEN_W, SCREEN_H };
static struct rect drawn_ball, drawn_player;

/* What each of the last few frames changed in the back buffer, for the
 * relay: a slot it rewrites after k frames only needs what those k frames
 * changed (the whole screen when one of them redrew it). */
#define DAMAGE_FRAMES 4u
struct damage {
    u32 frame;
    int full;
    struct rect r[4];
};
static struct damage damage[DAMAGE_FRAMES];

/* The A/V sync pattern (F8): one frame all white, with the sync click. */
#define FLASH_COLOR 0xFFFFFFu
static int flash_shown; /* the last frame was the flash: redraw everything */

/* Draw and show frame number `frames`, or the flash. */
static void draw_frame(int flash)
{
    u32 phase = frames / BG_PERIOD;
    struct rect nb = ball_rect(), np = player_rect();
    int full = frames == 0 || phase != bg_phase || flash || flash_shown;
    flash_shown = flash;
    if (flash) {
        fill32(backbuf, FLASH_COLOR, SCREEN_W * SCREEN_H);
        present_region(full_screen);
    } else if (full) {
        bg_phase = phase;
        bg_prepare();
        render_region(full_screen);
        present_region(full_screen);
    } else {
        render_region(drawn_ball);
        render_region(drawn_player);
        render_region(nb);
        render_region(np);
        present_region(drawn_ball);
        present_region(drawn_player);
        present_region(nb);
        present_region(np);
    }
    struct damage *dm = &damage[frames % DAMAGE_FRAMES];
    dm->frame = frames;
    dm->full = full;
    dm->r[0] = drawn_ball;
    dm->r[1] = drawn_player;
    dm->r[2] = nb;
    dm->r[3] = np;
    drawn_ball = nb;
    drawn_player = np;
}

static void update_ball(void)
{
    ball_x += ball_vx;
    ball_y += ball_vy;
    if (ball_x < (ARENA_X0 + BALL_R) << 4) { ball_x = (ARENA_X0 + BALL_R) << 4; ball_vx = -ball_vx; }
    if (ball_x > (ARENA_X1 - 1 - BALL_R) << 4) { ball_x = (ARENA_X1 - 1 - BALL_R) << 4; ball_vx = -ball_vx; }
    if (ball_y < (ARENA_Y0 + BALL_R) << 4) { ball_y = (ARENA_Y0 + BALL_R) << 4; ball_vy = -ball_vy; }
    if (ball_y > (ARENA_Y1 - 1 - BALL_R) << 4) { ball_y = (ARENA_Y1 - 1 - BALL_R) << 4; ball_vy = -ball_vy; }
}

/* ------------------------------------------------------------------ */
/* Input                                                                */

static int kbd_e0;
static u8 mouse_pkt[3];
static u32 mouse_idx;
/* Input events applied so far: every key press and release (a complete
 * scancode, prefixes not counted) and every complete mouse packet.  The
 * host counts a key tap as two events (press, release) too. */
static u32 input_events;

static struct sound_card sound;
/* Keys down by set-1 code (0x80 added for E0-prefixed ones), and how many:
 * the tone plays while any is.  F8 is not counted: it asks for the flash,
 * which the game shows only where it has sound. */
#define KEY_F8 0x42
static u8 keys_down[256];
static u32 keys_held;
static int flash_pending;
static u32 flashes;

static void key_track(u32 key, int down)
{
    if (key == KEY_F8) {
        flash_pending |= down && sound.state == 1;
        return;
    }
    if (keys_down[key] == down)
        return;
    keys_down[key] = (u8)down;
    keys_held = down ? keys_held + 1 : keys_held - 1;
}

/* The arrow keys the game plays with (set-1 scancode, release bit clear):
 * their name and the step they take, or NULL. */
static const char *key_arrow(u8 code, i32 *dx, i32 *dy)
{
    switch (code) {
    case 0x48: *dy = -PLAYER_STEP; return "UP";
    case 0x50: *dy = PLAYER_STEP; return "DOWN";
    case 0x4B: *dx = -PLAYER_STEP; return "LEFT";
    case 0x4D: *dx = PLAYER_STEP; return "RIGHT";
    default: return 0;
    }
}

static void key_press(u8 code)
{
    i32 dx = 0, dy = 0;
    const char *name = key_arrow(code, &dx, &dy);

    if (!name)
        return;
    player_move(dx, dy);
    log_line("input key %s player=%d,%d", name, player_x, player_y);
}

/* Logged so that a test can see the host release a held key (issue 11). */
static void key_release(u8 code)
{
    i32 dx = 0, dy = 0;
    const char *name = key_arrow(code, &dx, &dy);

    if (name)
        log_line("input key-up %s", name);
}

static void kbd_byte(u8 b)
{
    if (b == 0xE0) {
        kbd_e0 = 1;
        return;
    }
    if (b == 0xE1 || b == 0xFA || b == 0xFE || b == 0x00 || b == 0xFF) {
        kbd_e0 = 0; /* pause prefix, ACK/resend, errors */
        return;
    }
    key_track((b & 0x7Fu) | (kbd_e0 ? 0x80u : 0), !(b & 0x80));
    kbd_e0 = 0;
    input_events++;
    if (b & 0x80)
        key_release(b & 0x7F);
    else
        key_press(b);
}

/* Returns 1 when a full packet was accumulated into dx, dy (screen space). */
static int mouse_byte(u8 b, i32 *dx, i32 *dy)
{
    if (mouse_idx == 0 && !(b & 0x08))
        return 0; /* resync: first byte always has bit 3 set */
    mouse_pkt[mouse_idx++] = b;
    if (mouse_idx < 3)
        return 0;
    mouse_idx = 0;
    input_events++;
    u8 f = mouse_pkt[0];
    if (f & 0xC0)
        return 0; /* overflow: drop */
    i32 mx = (i32)mouse_pkt[1] - ((f & 0x10) ? 256 : 0);
    i32 my = (i32)mouse_pkt[2] - ((f & 0x20) ? 256 : 0);
    *dx += mx;
    *dy -= my; /* PS/2 y grows upwards */
    return 1;
}

static void poll_input(void)
{
    i32 mdx = 0, mdy = 0;
    int mouse_seen = 0;
    for (u32 i = 0; i < 256; i++) {
        u8 st = inb(PS2_STATUS);
        if (!(st & PS2_OBF))
            break;
        u8 b = inb(PS2_DATA);
        if (st & PS2_AUX)
            mouse_seen |= mouse_byte(b, &mdx, &mdy);
        else
            kbd_byte(b);
    }
    if (mouse_seen && (mdx || mdy)) {
        player_move(mdx, mdy);
        log_line("input mouse dx=%d dy=%d player=%d,%d", mdx, mdy, player_x, player_y);
    }
}

/* ------------------------------------------------------------------ */
/* Frame relay producer (include/gamehost/relay.h)                      */

/*
 * The host gives the VM an ivshmem-plain device (1af4:1110) whose BAR2 is
 * the relay memory (a file under /dev/shm on the host).  The game runs in
 * 32-bit protected mode without paging, so it can only reach the BAR below
 * 4 GiB: a 64-bit BAR that the firmware placed above 4 GiB is moved just
 * under the lowest 32-bit memory BAR in use, above the RAM (on machine pc
 * every address below 4 GiB that is not RAM reaches the PCI bus).
 *
 * Every frame the back buffer is copied into the slot after latest_slot,
 * under that slot's sequence counter (odd while written).  The game is
 * single-core and the only writer, so a compiler barrier plus a locked
 * no-op (a full fence on x86) between the steps is all the ordering the
 * host reader needs.  64-bit fields are stored with one 8-byte store (x87
 * fild/fistp on i686, atomic when aligned) so the host never sees half of
 * a carry.
 */
#define IVSHMEM_VENDOR 0x1AF4
#define IVSHMEM_DEVICE 0x1110
#define RELAY_SLOTS 3u
#define RELAY_STRIDE (SCREEN_W * 4u)

static volatile gh_relay_header *relay_hdr;
static u8 *relay_slot0;                 /* base + slots_offset */
static u32 relay_slot_size;
static u32 relay_next;                  /* slot the next frame goes to */
static u64 relay_frame;                 /* frame_number of the last frame written */
static u64 relay_written, relay_beats;
static int relay_sse;                   /* copy frames with copy_sse */
static u32 relay_holds[RELAY_SLOTS];    /* game frame + 1 whose pixels slot k holds; 0: none */

static inline void relay_fence(void)
{
    __asm__ volatile("lock; addl $0, (%%esp)" ::: "memory", "cc");
}

static inline void store64(volatile u64 *p, u64 v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline u64 load64(volatile u64 *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline volatile gh_relay_slot *relay_slot(u32 k)
{
    return (volatile gh_relay_slot *)(relay_slot0 + k * relay_slot_size);
}

/* The guest clock: PIT ticks at FPS Hz, in ns (ticks * 1e9 / 60 without a
 * 64-bit division, which would need libgcc). */
static u64 now_ns(void)
{
    u32 t = ticks;
    return (u64)(t / 3u) * 50000000u + (t % 3u) * 50000000u / 3u;
}

/* The lowest base of the 32-bit memory BARs in use on any PCI function. */
static u32 pci_lowest_mem32(void)
{
    u32 lowest = 0xFFFFFFFFu;
    for (u32 bus = 0; bus < 256; bus++) {
        for (u32 dev = 0; dev < 32; dev++) {
            if ((pci_read(bus, dev, 0, 0) & 0xFFFF) == 0xFFFF)
                continue;
            u32 nfn = (pci_read(bus, dev, 0, 0x0C) & 0x00800000u) ? 8 : 1;
            for (u32 fn = 0; fn < nfn; fn++) {
                if ((pci_read(bus, dev, fn, 0) & 0xFFFF) == 0xFFFF)
                    continue;
                u32 type = (pci_read(bus, dev, fn, 0x0C) >> 16) & 0x7F;
                u32 nbars = type == 0 ? 6 : type == 1 ? 2 : 0;
                for (u32 i = 0; i < nbars; i++) {
                    u32 v = pci_read(bus, dev, fn, 0x10 + 4 * i);
                    if (v & 1)
                        continue; /* I/O */
                    u32 hi = 0;
                    if (((v >> 1) & 3) == 2 && i + 1 < nbars)
                        hi = pci_read(bus, dev, fn, 0x10 + 4 * ++i);
                    u32 base = v & ~0xFu;
                    if (hi == 0 && base != 0 && base < lowest)
                        lowest = base;
                }
            }
        }
    }
    return lowest;
}

/* Finds the ivshmem device, maps its BAR2 below 4 GiB and writes the relay
 * header.  Without the device (or with one the game cannot use) the game
 * runs as before, without relay. */
static void relay_init(u32 ram_top)
{
    struct pci_loc d;
    if (!pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, &d)) {
        log_line("relay none");
        return;
    }
    u32 cmd = pci_read(d.bus, d.dev, d.fn, 0x04) & 0xFFFF;
    u32 lo = pci_read(d.bus, d.dev, d.fn, 0x18);
    if (lo & 1) {
        log_line("relay error ivshmem bar2=0x%08x is not a memory BAR", lo);
        return;
    }
    int is64 = ((lo >> 1) & 3) == 2;
    u32 hi = is64 ? pci_read(d.bus, d.dev, d.fn, 0x1C) : 0;

    /* Size the BAR with memory decoding off. */
    pci_write(d.bus, d.dev, d.fn, 0x04, cmd & ~0x2u);
    pci_write(d.bus, d.dev, d.fn, 0x18, 0xFFFFFFFFu);
    u32 mask_lo = pci_read(d.bus, d.dev, d.fn, 0x18) & ~0xFu;
    pci_write(d.bus, d.dev, d.fn, 0x18, lo);
    u32 mask_hi = 0xFFFFFFFFu;
    if (is64) {
        pci_write(d.bus, d.dev, d.fn, 0x1C, 0xFFFFFFFFu);
        mask_hi = pci_read(d.bus, d.dev, d.fn, 0x1C);
        pci_write(d.bus, d.dev, d.fn, 0x1C, hi);
    }
    if (mask_hi != 0xFFFFFFFFu || mask_lo == 0) {
        pci_write(d.bus, d.dev, d.fn, 0x04, cmd);
        log_line("relay error ivshmem bar2 of 4 GiB or more cannot be mapped");
        return;
    }
    u32 size = ~mask_lo + 1;
    u32 base = lo & ~0xFu;
    if (hi != 0 || base == 0) {
        u32 lowest = pci_lowest_mem32();
        u32 moved = (lowest - size) & ~(size - 1);
        if (lowest == 0xFFFFFFFFu || lowest < size || moved < ram_top) {
            pci_write(d.bus, d.dev, d.fn, 0x04, cmd);
            log_line("relay error no room below 4 GiB for ivshmem bar2 (size=%u)", size);
            return;
        }
        pci_write(d.bus, d.dev, d.fn, 0x18, moved);
        if (is64)
            pci_write(d.bus, d.dev, d.fn, 0x1C, 0);
        log_line("relay ivshmem bar2 moved from 0x%08x%08x to 0x%08x", hi, base, moved);
        base = moved;
    }
    pci_write(d.bus, d.dev, d.fn, 0x04, cmd | 0x2u); /* memory decoding on */
    log_line("relay ivshmem at %02x:%02x.%u", d.bus, d.dev, d.fn);

    u64 need = gh_relay_region_size(SCREEN_W, SCREEN_H, RELAY_SLOTS);
    if ((u64)size < need) {
        log_line("relay error ivshmem size=%u is smaller than the %u bytes 640x480 needs",
                 size, (u32)need);
        return;
    }

    /* store64/load64 go through the x87 unit (fild/fistp): start it clean. */
    __asm__ volatile("fninit");
    volatile gh_relay_header *h = (volatile gh_relay_header *)base;
    relay_slot_size = (u32)gh_relay_slot_size(SCREEN_W, SCREEN_H);
    relay_slot0 = (u8 *)base + GH_RELAY_SLOTS_OFFSET;

    /* A guest reboot keeps the memory (same QEMU): go on counting from what
     * an identical earlier producer left, so a reader never sees frame
     * numbers go backwards. */
    int resume = load64(&h->magic) == GH_RELAY_MAGIC && h->version == GH_RELAY_VERSION &&
                 load64(&h->slots_offset) == GH_RELAY_SLOTS_OFFSET &&
                 h->slot_count == RELAY_SLOTS && h->slot_size == relay_slot_size &&
                 h->latest_slot < RELAY_SLOTS;

    /* Readers refuse the region while magic is not ours. */
    store64(&h->magic, 0);
    relay_fence();
    h->version = GH_RELAY_VERSION;
    h->header_size = sizeof(gh_relay_header);
    store64(&h->region_size, size);
    store64(&h->slots_offset, GH_RELAY_SLOTS_OFFSET);
    h->slot_count = RELAY_SLOTS;
    h->slot_size = relay_slot_size;
    h->max_width = SCREEN_W;
    h->max_height = SCREEN_H;
    for (u32 i = 0; i < 4; i++)
        h->reserved0[i] = 0;
    relay_frame = 0;
    for (u32 k = 0; k < RELAY_SLOTS; k++) {
        volatile gh_relay_slot *sl = relay_slot(k);
        u64 seq = load64(&sl->seq);
        if (resume) {
            u64 fn = load64(&sl->frame_number);
            if (fn > relay_frame)
                relay_frame = fn;
        } else {
            store64(&sl->frame_number, 0);
            sl->width = sl->height = sl->stride = sl->format = 0;
        }
        if (seq & 1)
            store64(&sl->seq, seq + 1); /* a write the reboot cut short */
    }
    if (resume) {
        relay_written = load64(&h->frames_written);
        relay_beats = load64(&h->heartbeat_count);
        relay_next = (h->latest_slot + 1) % RELAY_SLOTS;
    } else {
        relay_written = relay_beats = 0;
        relay_next = 0;
        store64(&h->frames_written, 0);
        store64(&h->heartbeat_count, 0);
        store64(&h->heartbeat_ns, 0);
        h->latest_slot = RELAY_SLOTS - 1;
    }
    relay_fence();
    store64(&h->magic, GH_RELAY_MAGIC);
    relay_fence();
    relay_hdr = h;
    relay_sse = sse_enable();
    log_line("relay ivshmem bar2=0x%08x size=%u", base, size);
}

/* The producer is alive: at least every 100 ms, frames or not. */
static void relay_heartbeat(u64 ns)
{
    store64(&relay_hdr->heartbeat_ns, ns);
    store64(&relay_hdr->heartbeat_count, ++relay_beats);
}

/* Copies the back-buffer rows of r (x widened to 32-pixel, 128-byte
 * boundaries) into the slot's pixels. */
static void relay_copy_rect(u32 *dst, struct rect r)
{
    i32 x0 = clampi(r.x0, 0, SCREEN_W) & ~31, x1 = (clampi(r.x1, 0, SCREEN_W) + 31) & ~31;
    i32 y0 = clampi(r.y0, 0, SCREEN_H), y1 = clampi(r.y1, 0, SCREEN_H);
    if (x1 > SCREEN_W)
        x1 = SCREEN_W;
    if (x1 <= x0 || y1 <= y0)
        return;
    if (x0 == 0 && x1 == SCREEN_W) { /* whole rows: one run */
        u32 off = (u32)y0 * SCREEN_W, n = (u32)(y1 - y0) * SCREEN_W;
        if (relay_sse)
            copy_sse(dst + off, backbuf + off, n);
        else
            copy32(dst + off, backbuf + off, n);
        return;
    }
    for (i32 y = y0; y < y1; y++) {
        u32 off = (u32)y * SCREEN_W + (u32)x0;
        if (relay_sse)
            copy_sse(dst + off, backbuf + off, (u32)(x1 - x0));
        else
            copy32(dst + off, backbuf + off, (u32)(x1 - x0));
    }
}

/* Brings slot pixels holding game frame `held` (+1; 0: unknown) up to the
 * back buffer: the whole frame, or only what the frames since changed.
 * Every slot always ends up with the complete current picture. */
static void relay_copy_frame(u32 *dst, u32 held)
{
    u32 since = held - 1;
    int full = held == 0 || frames - since >= DAMAGE_FRAMES;
    for (u32 f = since + 1; !full && f != frames + 1; f++) {
        const struct damage *dm = &damage[f % DAMAGE_FRAMES];
        full = dm->frame != f || dm->full;
    }
    if (full) {
        relay_copy_rect(dst, full_screen);
        return;
    }
    for (u32 f = since + 1; f != frames + 1; f++)
        for (u32 i = 0; i < 4; i++)
            relay_copy_rect(dst, damage[f % DAMAGE_FRAMES].r[i]);
}

/* Writes the back buffer as the next frame (the protocol's steps 1-5). */
static void relay_publish(void)
{
    u64 ns = now_ns();
    u32 k = relay_next;
    volatile gh_relay_slot *sl = relay_slot(k);
    u64 seq = load64(&sl->seq);

    store64(&sl->seq, seq + 1); /* odd: being written */
    relay_fence();
    sl->width = SCREEN_W;
    sl->height = SCREEN_H;
    sl->stride = RELAY_STRIDE;
    sl->format = GH_RELAY_FORMAT_BGRX8888; /* 0x00RRGGBB little-endian */
    store64(&sl->frame_number, ++relay_frame);
    store64(&sl->timestamp_ns, ns);
    store64(&sl->input_events, input_events);
    relay_copy_frame((u32 *)(sl + 1), relay_holds[k]);
    relay_holds[k] = frames + 1;
    relay_fence();
    store64(&sl->seq, seq + 2); /* even: complete */
    relay_fence();
    relay_hdr->latest_slot = k;
    store64(&relay_hdr->frames_written, ++relay_written);
    relay_heartbeat(ns);
    relay_next = (k + 1) % RELAY_SLOTS;
}

/* ------------------------------------------------------------------ */

void kmain(u32 magic, u32 mbi);

/* Top of the RAM below 4 GiB: the multiboot memory info when the loader gave
 * it (mem_upper: KiB above 1 MiB up to the first hole), else the largest
 * low RAM of machine pc (3.5 GiB). */
static u32 ram_top_from(u32 magic, u32 mbi)
{
    if (magic == 0x2BADB002u && mbi && (*(const u32 *)mbi & 1))
        return 0x100000u + ((const u32 *)mbi)[2] * 1024u;
    return 0xE0000000u;
}

void kmain(u32 magic, u32 mbi)
{
    u32 ram_top = ram_top_from(magic, mbi);
    serial_init();
    log_line("boot");

    struct pci_loc vga;
    if (!pci_find(0x1234, 0x1111, &vga)) {
        log_line("error no bochs-vga");
        halt_forever();
    }
    log_line("pci bochs-vga at %02x:%02x.%u", vga.bus, vga.dev, vga.fn);

    u32 cmd = pci_read(vga.bus, vga.dev, vga.fn, 0x04);
    pci_write(vga.bus, vga.dev, vga.fn, 0x04, (cmd & 0xFFFF) | 0x0003); /* IO + MEM */
    u32 bar0 = pci_read(vga.bus, vga.dev, vga.fn, 0x10);
    if ((bar0 & 1) || (bar0 & ~0xFu) == 0) {
        log_line("error bochs-vga bar0=0x%08x not a memory BAR", bar0);
        halt_forever();
    }
    lfb = (volatile u32 *)(bar0 & ~0xFu);

    u32 bar2 = pci_read(vga.bus, vga.dev, vga.fn, 0x18);
    if (!vbe_set_mode(SCREEN_W, SCREEN_H, SCREEN_BPP, bar2)) {
        log_line("error vbe mode set failed (id=0x%04x)", vbe_read(VBE_ID));
        halt_forever();
    }
    log_line("video %ux%ux%u lfb=0x%08x", SCREEN_W, SCREEN_H, SCREEN_BPP, (u32)lfb);
    if (vbe_mmio)
        log_line("vbe registers via mmio at 0x%08x", (u32)vbe_mmio);

    idt_init();
    pic_init();
    pit_init(FPS);
    if (!ps2_init())
        log_line("warning ps/2 mouse did not acknowledge");
    relay_init(ram_top);
    sound_init(&sound);
    if (sound.state == 0)
        log_line("audio none");
    else if (sound.state < 0)
        log_line("audio error %s", sound.error);
    else if (sound.adc_rate == sound.dac_rate)
        log_line("audio ac97 io=0x%04x rate=%u", sound.io, sound.dac_rate);
    else
        log_line("audio ac97 io=0x%04x rate=%u mic-rate=%u", sound.io, sound.dac_rate,
                 sound.adc_rate);
    log_line("ready %u Hz, player=%d,%d", FPS, player_x, player_y);

    draw_frame(0);
    if (relay_hdr)
        relay_publish();

    u32 last = ticks;
    __asm__ volatile("sti");
    for (;;) {
        last = wait_tick(last);
        i32 was_x = player_x, was_y = player_y;
        poll_input();
        update_ball();
        frames++;
        int flash = flash_pending;
        flash_pending = 0;
        draw_frame(flash);
        if (relay_hdr)
            relay_publish();
        /* The frame is out: its sounds start at the card's next sample. */
        sound_frame(player_x != was_x || player_y != was_y, keys_held != 0, flash);
        if (flash)
            log_line("flash %u", ++flashes);
        if (frames % FPS == 0) {
            log_line("frame %u", frames);
            if (sound.state == 1) {
                struct sound_mic mic;
                sound_mic_report(&mic);
                log_line("mic level=%d freq=%u", mic.level_db, mic.freq_hz);
            }
        }
    }
}
