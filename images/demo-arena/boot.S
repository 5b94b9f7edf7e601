/* demo-arena: multiboot v1 entry, GDT, interrupt stubs.
 * Assembled with: gcc -m32 -ffreestanding -c boot.S */

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, want memory info */

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .rodata
        .align 8
gdt:
        .quad 0x0000000000000000        /* null */
        .quad 0x00CF9A000000FFFF        /* 0x08: flat 32-bit code */
        .quad 0x00CF92000000FFFF        /* 0x10: flat 32-bit data */
gdt_end:
gdt_ptr:
        .word gdt_end - gdt - 1
        .long gdt

        .section .bss
        .align 16
stack_bottom:
        .skip 16384
stack_top:

        .text
        .globl _start
        .type _start, @function
_start:
        cli
        cld
        movl %eax, %ebp                 /* multiboot magic */
        movl %ebx, %edx                 /* multiboot info */
        /* The loader's GDT may be gone: load our own flat one. */
        lgdt gdt_ptr
        ljmp $0x08, $1f
1:      movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        /* Zero .bss (includes the stack) before touching the stack. */
        movl $__bss_start, %edi
        movl $__bss_end, %ecx
        subl %edi, %ecx
        shrl $2, %ecx
        xorl %eax, %eax
        rep stosl
        movl $stack_top, %esp
        pushl %edx
        pushl %ebp
        call kmain
2:      cli
        hlt
        jmp 2b
        .size _start, . - _start

/* IRQ0 (PIT) -> vector 0x20 */
        .globl isr_irq0
        .type isr_irq0, @function
isr_irq0:
        pushal
        cld
        call irq0_handler
        popal
        iret

/* Other master-PIC IRQs (masked; spurious ones may still arrive). */
        .globl isr_irq_master
        .type isr_irq_master, @function
isr_irq_master:
        pushl %eax
        movb $0x20, %al
        outb %al, $0x20
        popl %eax
        iret

/* Slave-PIC IRQs: EOI both controllers. */
        .globl isr_irq_slave
        .type isr_irq_slave, @function
isr_irq_slave:
        pushl %eax
        movb $0x20, %al
        outb %al, $0xA0
        outb %al, $0x20
        popl %eax
        iret

/* Any other vector: ignore. */
        .globl isr_ignore
        .type isr_ignore, @function
isr_ignore:
        iret

/* CPU exceptions 0..31: 16-byte stubs that push the vector and report. */
        .globl exc_stubs
        .align 16
exc_stubs:
        .set vec, 0
        .rept 32
        .align 16
        pushl $vec
        jmp exc_common
        .set vec, vec + 1
        .endr

exc_common:
        cld
        call exception_handler          /* arg: vector at 0(%esp) -> 4(%esp) */
3:      cli
        hlt
        jmp 3b

        .section .note.GNU-stack, "", @progbits
