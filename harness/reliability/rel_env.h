/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reliability fixture: the real agent as a child process, our NRI runtime
 * side in front of it, pods/containers driven through NRI (nri_pods.h;
 * some of them real runc containers), and a reader of the agent's JSON
 * lines.
 *
 * The scenarios (rel_scen.h) are written once here and run twice: short by
 * the Criterion suites (tests/test_reliability_*.c), long by
 * bench/reliability.c, which records the figures in results/reliability.csv.
 */
#ifndef BS_HARNESS_REL_ENV_H
#define BS_HARNESS_REL_ENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/agentproc.h"
#include "harness/runtime/nri_pods.h"

#define REL_TOKEN	   "/var/run/secrets/eks.amazonaws.com/access_key_token"
#define REL_MAX_LIVE	   BS_NRI_PODS_MAX /* real containers tracked */
#define REL_MAX_ALERTS	   4096 /* distinct (token, accessor) pairs kept */
#define REL_NRI_TIMEOUT_MS 5000

/* Alerts seen, folded by token container and accessor container. */
struct rel_alert {
	char token_ctr[BS_ID_LEN];
	char accessor_ctr[BS_ID_LEN];
	uint64_t lines;
	uint64_t count;
};

struct rel_env {
	struct bs_agent_dirs run; /* dir, NRI socket, events, state, hooks */
	char log[192];		  /* the agent's stderr, in run.dir */
	char build[BS_PATH_LEN];
	char bin[BS_PATH_LEN + 16];
	struct bs_nri_pods pods; /* the runtime side and its containers */
	struct bs_agent agent;
	bool agent_spawned;
	int64_t spawn_ns;
	/* events reader */
	int ev_fd;
	uint64_t ev_off;
	char ev_buf[65536];
	size_t ev_len;
	bool ready;
	json_t *stats; /* latest stats line */
	uint64_t n_stats;
	struct rel_alert alerts[REL_MAX_ALERTS];
	size_t n_alerts;
	uint64_t alert_lines;
};

/* Agent options beyond the fixture defaults. */
struct rel_agent_args {
	const char *state_dir;	   /* NULL: e->run.state */
	int aggregate_ms;	   /* 0: 1000 */
	int stats_ms;		   /* 0: 200 */
	const char *inject;	   /* NULL: bind */
	const char *detect;	   /* NULL: open */
	const char *cgroup_ns_dir; /* see struct bs_agent_opts */
	const char *respond;	   /* NULL: none */
	const char *respond_scope; /* NULL: container */
};

/* Where our binaries are: the dir of /proc/self/exe, minus a "tests". */
int rel_find_build(char *out, size_t len);
/* NULL when the agent and the attack tool are built, else the reason. */
const char *rel_missing(void);

int rel_env_init(struct rel_env *e, const char *tag);
/* Kill the agent, tear down live containers, free the runtime, rm -rf. */
void rel_env_fini(struct rel_env *e);

int rel_listen(struct rel_env *e);
void rel_unlisten(struct rel_env *e);
int rel_agent_start(struct rel_env *e, const struct rel_agent_args *a);
/* SIGTERM (SIGKILL after 3 s) + reap. */
int rel_agent_stop(struct rel_env *e);
/* SIGKILL + reap; the runtime forgets the dead plugin. */
void rel_agent_kill9(struct rel_env *e);
/* Admit the agent, synchronising the up containers of ctrs[0..n). */
int rel_accept(struct rel_env *e, int timeout_ms, struct bs_nri_pod *ctrs,
	       size_t n);

/* Read new event lines.  Returns -ESRCH when the agent is gone. */
int rel_pump(struct rel_env *e);
typedef bool (*rel_pred)(struct rel_env *e, void *arg);
/* Pump until pred holds: 0, -ETIMEDOUT, or -ESRCH (agent died). */
int rel_wait(struct rel_env *e, rel_pred pred, void *arg, int timeout_ms);
/* Field of the latest stats line; false when there is none or no field. */
bool rel_stat(struct rel_env *e, const char *key, uint64_t *out);
/* Wait for a stats line newer than now with key == want. */
int rel_wait_stat_eq(struct rel_env *e, const char *key, uint64_t want,
		     int timeout_ms);
/* Alerts (lines, count) about the token of container id. */
const struct rel_alert *rel_alert_for(struct rel_env *e, const char *token_ctr,
				      const char *accessor_ctr);
/* Lines of the agent log containing needle (case-insensitive). */
int rel_log_count(struct rel_env *e, const char *needle);

/* Containers (harness/runtime/nri_pods.h): pod victim-<n>, container
 * app, the token at REL_TOKEN; real = a runc container below e->dir. */
int rel_ctr_new(struct rel_env *e, struct bs_nri_pod *c, int n, bool real);
/* RunPodSandbox, CreateContainer (adjustment applied), runc create,
 * PostCreate, Start, runc start, PostStart. */
int rel_ctr_up(struct rel_env *e, struct bs_nri_pod *c);
/* Stop, runc delete, Remove, pod events; via_nri false: only runc. */
int rel_ctr_down(struct rel_env *e, struct bs_nri_pod *c, bool via_nri);
/* Read the token: runc exec cat in a real container, else open() here. */
int rel_ctr_touch(struct rel_env *e, struct bs_nri_pod *c);

/* /proc/<pid> figures. */
int rel_count_fds(pid_t pid);
long rel_rss_kib(pid_t pid);
int rel_count_lines(const char *path);
/* Entries in <state>/tokens (-errno when it cannot be read). */
int rel_state_entries(const char *state);
/* Entries of a directory but . and .. (-errno when it cannot be read). */
int rel_dir_entries(const char *path);
/* Mounts strictly below dir (dir itself not counted) in pid's mount
 * namespace: what the agent mounted there, whatever else the machine
 * mounts meanwhile. */
int rel_mounts_below(pid_t pid, const char *dir);
/* A /proc/meminfo field ("Shmem", "Slab"), KiB, or -errno. */
long rel_meminfo_kib(const char *key);

double rel_ms_since(int64_t t0_ns);
void rel_sleep_ms(int ms);

#endif
