/* Parsing the plan (docs/runtime-plan.md#encoding): u32 little-endian lengths, no JSON. */
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void plan_read(int fd, struct plan *plan) {
  size_t cap = 1 << 16, len = 0;
  unsigned char *buf = xmalloc(cap);
  for (;;) {
    if (len == cap) buf = xrealloc(buf, cap *= 2);
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("read plan");
    if (n == 0) break;
    len += (size_t)n;
  }
  if (len < 12 || memcmp(buf, "HULLPLN1", 8) != 0) die("plan: bad header");
  size_t off = 8;
  plan->nops = get_u32(buf + off);
  off += 4;
  plan->ops = xmalloc(sizeof(struct op) * (plan->nops ? plan->nops : 1));
  for (uint32_t i = 0; i < plan->nops; i++) {
    struct op *op = &plan->ops[i];
    if (off + 8 > len) die("plan: truncated at op %u", i);
    op->code = get_u32(buf + off);
    op->nfields = get_u32(buf + off + 4);
    off += 8;
    if (op->nfields > len) die("plan: op %u has too many fields", i);
    op->fields = xmalloc(sizeof(char *) * (op->nfields + 1));
    for (uint32_t j = 0; j < op->nfields; j++) {
      if (off + 4 > len) die("plan: truncated at op %u field %u", i, j);
      uint32_t flen = get_u32(buf + off);
      off += 4;
      if (flen > len - off) die("plan: op %u field %u overruns the plan", i, j);
      char *s = xmalloc(flen + 1);
      memcpy(s, buf + off, flen);
      s[flen] = 0;
      op->fields[j] = s;
      off += flen;
    }
    op->fields[op->nfields] = NULL;
  }
  if (off != len) die("plan: %zu trailing bytes", len - off);
  free(buf);
}

const char *fstr(const struct op *op, uint32_t i) {
  if (i >= op->nfields) die("plan: op %u lacks field %u", op->code, i);
  return op->fields[i];
}

long long fll(const struct op *op, uint32_t i) {
  const char *s = fstr(op, i);
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || end == s) die("plan: op %u field %u: %s is not a number", op->code, i, s);
  return v;
}

unsigned long long full(const struct op *op, uint32_t i) {
  const char *s = fstr(op, i);
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || end == s) die("plan: op %u field %u: %s is not a number", op->code, i, s);
  return v;
}
