/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe-cost calibration stubs (bpf/window.c). The loader puts its own
 * uprobe on each and times calls with and without it. Their first
 * instructions stand for the two ways the kernel handles a breakpoint:
 * vinfer_calib_xol starts with an instruction the kernel single-steps out
 * of line (like endbr64, mov, sub: most function entries), vinfer_calib_emul
 * with a push, which recent kernels emulate.
 */
	.text
	.globl	vinfer_calib_xol
	.type	vinfer_calib_xol, @function
vinfer_calib_xol:
	mov	%rdi, %rax
	ret
	.size	vinfer_calib_xol, . - vinfer_calib_xol

	.globl	vinfer_calib_emul
	.type	vinfer_calib_emul, @function
vinfer_calib_emul:
	push	%rbp
	pop	%rbp
	mov	%rdi, %rax
	ret
	.size	vinfer_calib_emul, . - vinfer_calib_emul

	.section .note.GNU-stack, "", @progbits
