/*
** disasm.h: the `rbc disasm` listing (cli.md 7) and the one-instruction line
** the VM's --trace prints.  Everything is generated from vm/opcodes.def and
** the chunk's constants; the output holds no addresses or times, so it is
** stable enough for golden tests.
**
** These functions write the product the caller asked for to the stream it
** passes; they never write anywhere else.  The chunk is only read.
*/
#ifndef RBC_DISASM_H
#define RBC_DISASM_H

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "vm/bytecode.h"

/*
** The whole listing: the header line, every function with its instructions
** (jump targets marked `>>`), then the `consts:` and `globals:` sections.
** c must be verified (chunk_load or comp_compile output).
*/
void dis_chunk(FILE *out, const struct chunk *c);

/*
** Whether an allocation failed while listing since the last call (then the
** listing lacks comments or `>>` markers): the caller reports it and exits
** 70 rather than print a quietly different listing.  Resets the flag.
*/
bool dis_incomplete(void);

/*
** One instruction line of function fn at offset pc (no `>>` marker, no
** newline when nl is 0): offset, line:col, opcode, operands, `; comment`.
** Returns the instruction's length, 0 when pc is not an instruction.
*/
uint32_t dis_insn(FILE *out, const struct chunk *c, uint32_t fn, uint32_t pc, int nl);

/*
** A constant as it is shown in comments: strings quoted and escaped (cut to
** max_bytes with "..." when max_bytes > 0), durations as `1h30m`,
** percentages as `5%`, descriptors by their name.
*/
void dis_const(FILE *out, const struct chunk *c, uint32_t k, uint32_t max_bytes);

#endif
