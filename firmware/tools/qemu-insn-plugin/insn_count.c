/*
 * TCG plugin for qemu-system-arm 7.2: counts executed guest instructions, memory reads and
 * writes and translation-block executions with inline ops (no helper call per instruction), and
 * snapshots the running instruction count each time a marker address executes.
 *
 * Why declare the API here: Debian's QEMU 7.2 is built with plugin support but ships no
 * qemu-plugin.h (docs/firmware.md#qemu-plugin), so the few functions and types used below are declared by hand
 * with the layout of QEMU 7.2's public plugin API (QEMU_PLUGIN_VERSION 1). Built by
 * src/deploy/insn-plugin.ts with the host gcc; nothing else is needed.
 *
 * Arguments (-plugin insn_count.so,out=<file>,marks=<hex>[:<hex>...]):
 *   out    file the report is written to at exit (default: stderr)
 *   marks  guest addresses of marker functions (even, Thumb bit cleared), ':'-separated
 * Report, one item per line:  "insns N", "reads N", "writes N", "tbs N" (totals), then
 * "mark I INSNS READS WRITES TBS" with the running counters each time marker I (its index in
 * `marks`) executed, in execution order; a region's counts are differences of snapshots.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU 7.2 plugin API (subset) ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
void qemu_plugin_register_vcpu_mem_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_mem_rw rw,
                                          enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* ---- state: the MPS2 machines have one vCPU, so plain globals are race-free ---- */
#define MAX_MARKS 64
static uint64_t insns;
static uint64_t reads;
static uint64_t writes;
static uint64_t tbs;
static uint64_t mark_addr[MAX_MARKS];
static size_t n_marks;
static const char *out_path;

typedef struct {
    uint32_t mark;
    uint64_t insns;
    uint64_t reads;
    uint64_t writes;
    uint64_t tbs;
} snapshot;
static snapshot *snaps;
static size_t n_snaps;
static size_t cap_snaps;

static void on_mark(unsigned int vcpu, void *userdata)
{
    (void)vcpu;
    if (n_snaps == cap_snaps) {
        size_t cap = cap_snaps == 0 ? 256 : cap_snaps * 2;
        snapshot *grown = realloc(snaps, cap * sizeof *grown);
        if (grown == NULL) {
            return; /* out of host memory: drop the snapshot rather than crash QEMU */
        }
        snaps = grown;
        cap_snaps = cap;
    }
    /* The TB's inline add ran at TB entry, so the count already includes the marker's own TB
       (an empty function: one `bx lr`); every snapshot carries the same +1 bias, which cancels in
       differences. Reads/writes of the marker TB are added per access, after this point. */
    snaps[n_snaps].mark = (uint32_t)(uintptr_t)userdata;
    snaps[n_snaps].insns = insns;
    snaps[n_snaps].reads = reads;
    snaps[n_snaps].writes = writes;
    snaps[n_snaps].tbs = tbs;
    n_snaps++;
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t i, m, n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    /* One add per TB for instructions and for TB count: as cheap as counting gets. */
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns, n);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &tbs, 1);
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t pc = qemu_plugin_insn_vaddr(insn);
        /* Per access, not per instruction: LDM/POP of k registers count k reads, which is what
           the cycle model (src/deploy/cycle-model.ts) wants. */
        qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_R, QEMU_PLUGIN_INLINE_ADD_U64, &reads, 1);
        qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_INLINE_ADD_U64, &writes, 1);
        for (m = 0; m < n_marks; m++) {
            if (mark_addr[m] == pc) {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)m);
            }
        }
    }
}

static void on_plugin_exit(qemu_plugin_id_t id, void *userdata)
{
    FILE *f = stderr;
    size_t i;
    (void)id;
    (void)userdata;
    if (out_path != NULL) {
        f = fopen(out_path, "w");
        if (f == NULL) {
            fprintf(stderr, "insn_count: cannot write %s\n", out_path);
            f = stderr;
        }
    }
    fprintf(f, "insns %" PRIu64 "\nreads %" PRIu64 "\nwrites %" PRIu64 "\ntbs %" PRIu64 "\n", insns, reads, writes,
            tbs);
    for (i = 0; i < n_snaps; i++) {
        fprintf(f, "mark %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", snaps[i].mark,
                snaps[i].insns, snaps[i].reads, snaps[i].writes, snaps[i].tbs);
    }
    if (f != stderr) {
        fclose(f);
    }
    free(snaps);
}

static int parse_marks(const char *list)
{
    const char *p = list;
    while (*p != '\0') {
        char *end;
        unsigned long long a;
        if (n_marks == MAX_MARKS) {
            fprintf(stderr, "insn_count: more than %d marks\n", MAX_MARKS);
            return -1;
        }
        a = strtoull(p, &end, 16);
        if (end == p || (*end != ':' && *end != '\0')) {
            fprintf(stderr, "insn_count: bad marks list '%s' (want hex addresses separated by ':')\n", list);
            return -1;
        }
        mark_addr[n_marks++] = (uint64_t)a & ~(uint64_t)1; /* Thumb bit: QEMU reports even PCs */
        p = *end == ':' ? end + 1 : end;
    }
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = argv[i] + 4;
        } else if (strncmp(argv[i], "marks=", 6) == 0) {
            if (parse_marks(argv[i] + 6) != 0) {
                return -1;
            }
        } else {
            fprintf(stderr, "insn_count: unknown argument '%s' (want out=<file> or marks=<hex:hex...>)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
