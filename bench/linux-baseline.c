// The physical limit for the Linux figures of `npm run bench`: the same OS work the TypeScript
// path does, in C, with nothing else. Built at bench time into .bench/ with the machine's gcc
// (`gcc -O2 -o .bench/linux-baseline bench/linux-baseline.c`), driven by bench/linux.bench.ts.
//
//   linux-baseline posix-sample LIST PASSES    lstat + open(O_RDONLY|O_NOFOLLOW|O_NONBLOCK) +
//                                              fstat + pread(8) + close per semaphore file, as
//                                              native/linux/posix-semaphores.ts does
//   linux-baseline posix-kept LIST PASSES     each file mapped read-only once (not timed), then per
//                                              pass, per 256 semaphores: one read of an inotify
//                                              descriptor and one process_vm_readv of their words,
//                                              as native/linux/mapped-semaphores.ts samples
//   linux-baseline sysv-sample LIST PASSES     semctl GETVAL, GETNCNT, GETZCNT, GETPID per
//                                              semaphore (LIST lines: "semid nsems"): a full read
//   linux-baseline sysv-gated LIST PASSES      semctl IPC_STAT per set, GETNCNT per semaphore and
//                                              GETZCNT per non-zero one (values read once, untimed):
//                                              native/linux/sysv-reader.ts on an idle set
//   linux-baseline scan PASSES [SCOPE]         readdir(/dev/shm) + lstat of every sem.* file
//                                              (shm), read and parse /proc/sysvipc/sem (sysv),
//                                              read /proc/locks (locks); all three by default
//   linux-baseline churn MODE LIST HZ SCHEDULE  changes a share of the objects HZ times a second,
//                                              phase by phase (SCHEDULE "share:seconds,..."; MODE
//                                              posix: sem_post/sem_trywait, sysv: semop +1/-1),
//                                              in this process, not the inspector's
//   linux-baseline why-scene N NAME            N processes for the `why` figure: N-5 idle ones
//                                              (pause), then a semaphore NAME created and unlinked
//                                              at once (as Python's multiprocessing does), a holder
//                                              that maps it (pause) and 3 processes in sem_wait on
//                                              it; prints their pids; all die with this process
//   linux-baseline why-walk PASSES PID DEV INODE  the /proc reads `syncscope why PID` makes for a
//                                              process waiting on the unlinked semaphore DEV:INODE:
//                                              the process and its threads (stat, status, cmdline,
//                                              comm, syscall, sched on the thread's CPU), its maps,
//                                              the semaphore word through map_files, /dev/shm,
//                                              /proc/locks and its descriptors; then every
//                                              process's maps searched for the semaphore, and each
//                                              process found read as the first
//
// Measurement modes print one JSON line: nanoseconds of each pass (wall, CLOCK_MONOTONIC) and of
// this process's CPU over all passes, and a checksum so the compiler keeps the work.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "linux-baseline: %s: %s\n", what, strerror(errno));
  exit(1);
}

/** Reads LIST: one entry per line. */
static char **read_list(const char *file, size_t *count) {
  FILE *f = fopen(file, "r");
  if (!f) die(file);
  size_t cap = 1024, n = 0;
  char **lines = malloc(cap * sizeof *lines);
  char *line = NULL;
  size_t len = 0;
  ssize_t got;
  while ((got = getline(&line, &len, f)) > 0) {
    if (line[got - 1] == '\n') line[--got] = 0;
    if (got == 0) continue;
    if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
    lines[n++] = strdup(line);
  }
  free(line);
  fclose(f);
  *count = n;
  return lines;
}

static uint64_t checksum;

/** One sample as the TypeScript path takes it (posix-semaphores.ts openSemFile + readSemState). */
static int posix_sample(const char *path) {
  struct stat before, after;
  if (lstat(path, &before) != 0) return -1;
  if (!S_ISREG(before.st_mode) || before.st_size != 32) return -1;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  int ok = fstat(fd, &after) == 0 && after.st_ino == before.st_ino && after.st_dev == before.st_dev &&
           S_ISREG(after.st_mode) && after.st_size == 32;
  uint64_t word = 0;
  if (ok && pread(fd, &word, 8, 0) == 8) checksum += (uint32_t)word + (word >> 32);
  else ok = 0;
  close(fd);
  return ok ? 0 : -1;
}

static int sysv_sample(int semid, int nsems) {
  for (int i = 0; i < nsems; i++) {
    int v = semctl(semid, i, GETVAL);
    int n = semctl(semid, i, GETNCNT);
    int z = semctl(semid, i, GETZCNT);
    int p = semctl(semid, i, GETPID);
    if (v < 0 || n < 0 || z < 0 || p < 0) return -1;
    checksum += (uint64_t)v + n + z + p;
  }
  return 0;
}

/** nonzero: whether semaphore 0 of the set was non-zero when the list was read (sets of one). */
static int sysv_gated(int semid, int nsems, int nonzero) {
  struct semid_ds ds;
  if (semctl(semid, 0, IPC_STAT, &ds) < 0) return -1;
  checksum += (uint64_t)ds.sem_otime + ds.sem_ctime;
  for (int i = 0; i < nsems; i++) {
    int n = semctl(semid, i, GETNCNT);
    int z = nonzero || nsems > 1 ? semctl(semid, i, GETZCNT) : 0;
    if (n < 0 || z < 0) return -1;
    checksum += (uint64_t)n + z;
  }
  return 0;
}

static char *read_file(const char *path, size_t *length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  size_t cap = 1 << 16, n = 0;
  char *text = malloc(cap + 1);
  for (;;) {
    if (n == cap) text = realloc(text, (cap *= 2) + 1);
    ssize_t got = read(fd, text + n, cap - n);
    if (got < 0) die(path);
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  text[n] = 0;
  *length = n;
  return text;
}

/** scan(/dev/shm): readdir, then lstat of every regular sem.* file (size 32), as scanPosixSemaphores. */
static size_t scan_shm(void) {
  size_t found = 0;
  DIR *dir = opendir("/dev/shm");
  if (!dir) die("/dev/shm");
  char path[512];
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strncmp(entry->d_name, "sem.", 4) != 0 || entry->d_type != DT_REG) continue;
    snprintf(path, sizeof path, "/dev/shm/%s", entry->d_name);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 32) found++;
  }
  closedir(dir);
  return found;
}

/** scan(/proc/sysvipc/sem): read the file and parse every row, as scanSysvSemaphores. */
static size_t scan_sysv(void) {
  size_t found = 0, length;
  char *text = read_file("/proc/sysvipc/sem", &length);
  char *line = strchr(text, '\n'); // skip the header
  while (line && *++line) {
    // key semid perms(octal) nsems uid gid cuid cgid, as parseSysvipcSem reads them (strtol, not
    // sscanf, which would make this baseline slower than it need be).
    long fields[8];
    const char *p = line;
    int n = 0;
    for (; n < 8; n++) {
      char *end;
      fields[n] = strtol(p, &end, n == 2 ? 8 : 10);
      if (end == p) break;
      p = end;
    }
    if (n == 8) {
      found++;
      checksum += (uint64_t)fields[1] + (uint64_t)fields[3];
    }
    line = strchr(p, '\n');
  }
  free(text);
  return found;
}

/** scan(/proc/locks): read the file; one lock per line (no objects built). */
static size_t scan_locks(void) {
  size_t found = 0, length;
  char *text = read_file("/proc/locks", &length);
  for (char *p = text; (p = strchr(p, '\n')) != NULL; p++) found++;
  free(text);
  return found;
}

/** What LinuxBackend.scan(scopes) does, for one scope or all three (the default scopes). */
static size_t scan_once(const char *scope) {
  if (strcmp(scope, "shm") == 0) return scan_shm();
  if (strcmp(scope, "sysv") == 0) return scan_sysv();
  if (strcmp(scope, "locks") == 0) return scan_locks();
  return scan_shm() + scan_sysv() + scan_locks();
}

static void print_passes(const char *mode, size_t objects, uint64_t *passes, int count, uint64_t cpu, int errors) {
  printf("{\"mode\":\"%s\",\"objects\":%zu,\"passNs\":[", mode, objects);
  for (int i = 0; i < count; i++) printf("%s%llu", i ? "," : "", (unsigned long long)passes[i]);
  printf("],\"cpuNs\":%llu,\"errors\":%d,\"checksum\":%llu}\n", (unsigned long long)cpu, errors, (unsigned long long)checksum);
}

/**
 * Changes `share` of the objects `hz` times a second, phase after phase ("share:seconds,..."),
 * rotating through them; each change flips one object between 0 and 1. A line on stdout marks the
 * start of each phase. At the end every object is left as it was found.
 */
static int churn(const char *mode, const char *list, double hz, const char *schedule) {
  size_t count;
  char **lines = read_list(list, &count);
  int posix = strcmp(mode, "posix") == 0;
  sem_t **sems = NULL;
  int *semids = NULL;
  if (posix) {
    sems = calloc(count, sizeof *sems);
    for (size_t i = 0; i < count; i++) {
      // Lines are /dev/shm/sem.NAME; sem_open takes /NAME.
      const char *leaf = strrchr(lines[i], '/') + 5;
      char name[300];
      snprintf(name, sizeof name, "/%s", leaf);
      sems[i] = sem_open(name, 0);
      if (sems[i] == SEM_FAILED) die(name);
    }
  } else {
    semids = calloc(count, sizeof *semids);
    for (size_t i = 0; i < count; i++) semids[i] = atoi(lines[i]);
  }
  uint64_t period = (uint64_t)(1e9 / hz);
  size_t cursor = 0;
  unsigned char *up = calloc(count, 1);
  long ticks = 0, changes = 0;
  int phase = 0;
  for (const char *p = schedule; p && *p; phase++) {
    double share = 0, seconds = 0;
    if (sscanf(p, "%lf:%lf", &share, &seconds) != 2) {
      fprintf(stderr, "linux-baseline: bad schedule %s\n", schedule);
      return 2;
    }
    p = strchr(p, ',');
    if (p) p++;
    size_t per_tick = (size_t)(count * share + 0.5);
    uint64_t start = now_ns(CLOCK_MONOTONIC), next = start;
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    printf("{\"phase\":%d,\"share\":%g,\"perTick\":%zu}\n", phase, share, per_tick);
    fflush(stdout);
    while (now_ns(CLOCK_MONOTONIC) < end) {
      for (size_t k = 0; k < per_tick; k++, cursor = (cursor + 1) % count) {
        int ok;
        if (posix) ok = up[cursor] ? sem_trywait(sems[cursor]) == 0 : sem_post(sems[cursor]) == 0;
        else {
          struct sembuf op = {0, (short)(up[cursor] ? -1 : 1), IPC_NOWAIT};
          ok = semop(semids[cursor], &op, 1) == 0;
        }
        if (ok) {
          up[cursor] ^= 1;
          changes++;
        }
      }
      ticks++;
      next += period;
      uint64_t t = now_ns(CLOCK_MONOTONIC);
      if (next > t) {
        struct timespec ts = {(time_t)((next - t) / 1000000000ull), (long)((next - t) % 1000000000ull)};
        nanosleep(&ts, NULL);
      }
    }
  }
  for (size_t i = 0; i < count; i++) {
    if (!up[i]) continue;
    if (posix) sem_trywait(sems[i]);
    else {
      struct sembuf op = {0, -1, IPC_NOWAIT};
      semop(semids[i], &op, 1);
    }
  }
  printf("{\"done\":true,\"ticks\":%ld,\"changes\":%ld}\n", ticks, changes);
  return 0;
}

// ---- why ----------------------------------------------------------------------------------------

static void die_with_parent(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int why_scene(int total, const char *name) {
  int idle = total - 5;
  pid_t first = 0;
  for (int i = 0; i < idle; i++) {
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      die_with_parent();
      for (;;) pause();
    }
    if (i == 0) first = child;
  }
  sem_t *sem = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
  if (sem == SEM_FAILED) die("sem_open");
  sem_unlink(name);
  pid_t pids[4];
  for (int i = 0; i < 4; i++) {
    pids[i] = fork();
    if (pids[i] < 0) die("fork");
    if (pids[i] == 0) {
      die_with_parent();
      if (i == 0) for (;;) pause();
      for (;;) sem_wait(sem);
    }
  }
  printf("{\"holder\":%d,\"waiters\":[%d,%d,%d],\"firstIdle\":%d,\"processes\":%d}\n", pids[0], pids[1], pids[2], pids[3], first, total);
  fflush(stdout);
  for (;;) pause();
  return 0;
}

static char *read_text(const char *path, size_t *length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 1 << 14, n = 0;
  char *text = malloc(cap + 1);
  for (;;) {
    if (n == cap) text = realloc(text, (cap *= 2) + 1);
    ssize_t got = read(fd, text + n, cap - n);
    if (got <= 0) break;
    n += (size_t)got;
  }
  close(fd);
  text[n] = 0;
  *length = n;
  return text;
}

static void read_and_count(const char *path) {
  size_t length = 0;
  char *text = read_text(path, &length);
  if (text) checksum += length;
  free(text);
}

static long long exec_start(const char *path) {
  size_t length;
  char *text = read_text(path, &length);
  if (!text) return -1;
  char *line = strstr(text, "se.exec_start");
  long long ms = 0, frac = 0;
  if (line) sscanf(strchr(line, ':') + 1, " %lld.%lld", &ms, &frac);
  free(text);
  return ms * 1000000 + frac;
}

/** Everything why reads about one process (inspectProcess in native/linux/inspector.ts). */
static void why_process(int pid, const char *device, long inode, int first) {
  char path[512];
  const char *files[] = {"status", "stat", "cmdline", "comm"};
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "/proc/%d/%s", pid, files[i]);
    read_and_count(path);
  }
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *tasks = opendir(path);
  cpu_set_t original;
  sched_getaffinity(0, sizeof original, &original);
  if (tasks) {
    struct dirent *task;
    while ((task = readdir(tasks)) != NULL) {
      if (task->d_name[0] == '.') continue;
      size_t length;
      snprintf(path, sizeof path, "/proc/%d/task/%s/stat", pid, task->d_name);
      char *stat = read_text(path, &length);
      if (!stat) continue;
      int cpu = -1;
      char *p = strrchr(stat, ')');
      for (int field = 2; p && field <= 39; field++) {
        p = strchr(p + 1, ' ');
        if (field == 38 && p) cpu = atoi(p + 1);
      }
      free(stat);
      snprintf(path, sizeof path, "/proc/%d/task/%s/syscall", pid, task->d_name);
      read_and_count(path);
      if (cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        sched_setaffinity(0, sizeof one, &one);
        snprintf(path, sizeof path, "/proc/%d/task/%s/sched", pid, task->d_name);
        checksum += (uint64_t)(exec_start("/proc/thread-self/sched") - exec_start(path));
        snprintf(path, sizeof path, "/proc/%d/task/%s/stat", pid, task->d_name);
        read_and_count(path);
      }
    }
    closedir(tasks);
  }
  sched_setaffinity(0, sizeof original, &original);
  snprintf(path, sizeof path, "/proc/%d/maps", pid);
  size_t length;
  char *maps = read_text(path, &length);
  char needle[64];
  snprintf(needle, sizeof needle, " %s %ld ", device, inode);
  char *line = maps ? strstr(maps, needle) : NULL;
  if (line) {
    while (line > maps && line[-1] != '\n') line--;
    unsigned long start, end;
    if (sscanf(line, "%lx-%lx", &start, &end) == 2) {
      snprintf(path, sizeof path, "/proc/%d/map_files/%lx-%lx", pid, start, end);
      int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      struct stat st;
      uint64_t word = 0;
      if (fd >= 0 && fstat(fd, &st) == 0 && pread(fd, &word, 8, 0) == 8) checksum += word + st.st_ino;
      if (fd >= 0) close(fd);
    }
  }
  free(maps);
  if (first) {
    checksum += scan_shm();
    read_and_count("/proc/locks");
  }
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  DIR *fds = opendir(path);
  if (fds) {
    struct dirent *fd;
    while ((fd = readdir(fds)) != NULL) {
      if (fd->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, fd->d_name);
      struct stat st;
      if (stat(path, &st) == 0) checksum += st.st_ino;
    }
    closedir(fds);
  }
}

/** The processes whose maps name DEV INODE: every process's maps read and searched. */
static int why_holders(const char *device, long inode, int *found, int max) {
  char needle[64], path[300];
  snprintf(needle, sizeof needle, " %s %ld ", device, inode);
  int n = 0;
  DIR *proc = opendir("/proc");
  struct dirent *entry;
  while ((entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/maps", entry->d_name);
    size_t length;
    char *maps = read_text(path, &length);
    if (maps && strstr(maps, needle) && n < max) found[n++] = atoi(entry->d_name);
    free(maps);
  }
  closedir(proc);
  return n;
}

static int why_walk(int passes, int pid, const char *device, long inode) {
  uint64_t *times = calloc(passes, sizeof *times);
  int holders[4096], n = 0;
  uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  for (int p = 0; p < passes; p++) {
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    why_process(pid, device, inode, 1);
    n = why_holders(device, inode, holders, 4096);
    for (int i = 0; i < n; i++) if (holders[i] != pid) why_process(holders[i], device, inode, 0);
    times[p] = now_ns(CLOCK_MONOTONIC) - t0;
  }
  print_passes("why-walk", (size_t)n, times, passes, now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, n == 0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: linux-baseline posix-sample|posix-kept|sysv-sample|sysv-gated LIST PASSES | scan PASSES [SCOPE] | churn MODE LIST HZ SCHEDULE\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "churn") == 0 && argc == 6) return churn(argv[2], argv[3], atof(argv[4]), argv[5]);
  if (strcmp(mode, "why-scene") == 0 && argc == 4) return why_scene(atoi(argv[2]), argv[3]);
  if (strcmp(mode, "why-walk") == 0 && argc == 6) return why_walk(atoi(argv[2]), atoi(argv[3]), argv[4], atol(argv[5]));
  if (strcmp(mode, "scan") == 0 && (argc == 3 || argc == 4)) {
    const char *scope = argc == 4 ? argv[3] : "all";
    int passes = atoi(argv[2]);
    uint64_t *times = calloc(passes, sizeof *times);
    size_t found = 0;
    uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (int p = 0; p < passes; p++) {
      uint64_t t0 = now_ns(CLOCK_MONOTONIC);
      found = scan_once(scope);
      times[p] = now_ns(CLOCK_MONOTONIC) - t0;
    }
    print_passes("scan", found, times, passes, now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, 0);
    return 0;
  }
  if (argc != 4) {
    fprintf(stderr, "linux-baseline: bad arguments\n");
    return 2;
  }
  size_t count;
  char **lines = read_list(argv[2], &count);
  int passes = atoi(argv[3]);
  uint64_t *times = calloc(passes, sizeof *times);
  int errors = 0;
  int sysv = strcmp(mode, "sysv-sample") == 0;
  int gated = strcmp(mode, "sysv-gated") == 0;
  if (strcmp(mode, "posix-kept") == 0) {
    enum { BATCH = 256 };
    struct iovec *remote = calloc(count, sizeof *remote);
    uint64_t *words = calloc(BATCH, sizeof *words);
    struct iovec local[BATCH];
    for (size_t i = 0; i < BATCH; i++) local[i] = (struct iovec){ &words[i], 8 };
    for (size_t i = 0; i < count; i++) {
      int fd = open(lines[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) die(lines[i]);
      void *address = mmap(NULL, 32, PROT_READ, MAP_SHARED, fd, 0);
      close(fd);
      if (address == MAP_FAILED) die("mmap");
      remote[i] = (struct iovec){ address, 8 };
    }
    int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch < 0 || inotify_add_watch(watch, "/dev/shm", IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE) < 0) die("inotify");
    char events[4096];
    uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (int p = 0; p < passes; p++) {
      uint64_t t0 = now_ns(CLOCK_MONOTONIC);
      for (size_t at = 0; at < count; at += BATCH) {
        size_t n = count - at < BATCH ? count - at : BATCH;
        while (read(watch, events, sizeof events) > 0) checksum++;
        if (process_vm_readv(getpid(), local, n, remote + at, n, 0) != (ssize_t)(8 * n)) errors++;
        for (size_t i = 0; i < n; i++) checksum += (uint32_t)words[i] + (words[i] >> 32);
      }
      times[p] = now_ns(CLOCK_MONOTONIC) - t0;
    }
    print_passes(mode, count, times, passes, now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, errors);
    return 0;
  }
  sysv = sysv || gated;
  if (!sysv && strcmp(mode, "posix-sample") != 0) {
    fprintf(stderr, "linux-baseline: unknown mode %s\n", mode);
    return 2;
  }
  int *semids = NULL, *nsems = NULL, *nonzero = NULL;
  if (sysv) {
    semids = calloc(count, sizeof *semids);
    nsems = calloc(count, sizeof *nsems);
    nonzero = calloc(count, sizeof *nonzero);
    for (size_t i = 0; i < count; i++) {
      if (sscanf(lines[i], "%d %d", &semids[i], &nsems[i]) != 2) nsems[i] = 1;
      nonzero[i] = semctl(semids[i], 0, GETVAL) != 0;
    }
  }
  uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  for (int p = 0; p < passes; p++) {
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    for (size_t i = 0; i < count; i++) {
      int r = gated ? sysv_gated(semids[i], nsems[i], nonzero[i]) : sysv ? sysv_sample(semids[i], nsems[i]) : posix_sample(lines[i]);
      if (r != 0) errors++;
    }
    times[p] = now_ns(CLOCK_MONOTONIC) - t0;
  }
  print_passes(mode, count, times, passes, now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, errors);
  return 0;
}
