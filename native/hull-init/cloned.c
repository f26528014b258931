/*
 * CVE-2019-5736: a container process that can open /proc/<init>/exe for writing could overwrite
 * the runtime binary on the host. hull-init never runs from its file: on start it copies itself
 * into a memfd, seals it against writes, shrinking and growing (memfd_create(2), fcntl(2) file
 * sealing) and re-executes from that; /proc/self/exe then names the sealed copy, and any write
 * through it fails with EPERM. The check on re-entry is the seals themselves, not a flag anyone
 * could set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

void ensure_cloned_binary(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die_errno("open /proc/self/exe");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS) {
    close(self);
    return;
  }
  struct stat st;
  if (fstat(self, &st) < 0) die_errno("stat /proc/self/exe");
  int mfd = memfd_create("hull-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) die_errno("memfd_create");
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die_errno("copy hull-init into a memfd");
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) die_errno("seal memfd");
  fexecve(mfd, argv, environ);
  die_errno("re-exec hull-init from its sealed copy");
}
