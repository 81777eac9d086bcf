// SPDX-License-Identifier: Apache-2.0
/* Pods through CRI with crictl on the private containerd (cri_pods.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/runtime/cri_pods.h"

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* crictl prints the new id as a line of hex, maybe after warnings. */
static int last_id(const char *out, char *id, size_t len)
{
	const char *p = out;

	id[0] = '\0';
	while (*p) {
		size_t n = strspn(p, "0123456789abcdef");

		if (n >= 12 && (p[n] == '\n' || !p[n]) && n < len)
			snprintf(id, len, "%.*s", (int)n, p);
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return id[0] ? 0 : -EPROTO;
}

static int dump_to(const char *path, json_t *doc)
{
	int err = json_dump_file(doc, path, JSON_INDENT(1)) ? -EIO : 0;

	json_decref(doc);
	return err;
}

/* Namespace options as the kubelet gives a pod without
 * shareProcessNamespace, to the sandbox and to each container: network 2 =
 * NODE, the host network, so no CNI is needed (and no hostname: that needs
 * a UTS namespace of its own); pid 1 = CONTAINER, so the workload is its
 * pid 1, not the pause process (the recon reads /proc/1/environ). */
static json_t *ns_options(void)
{
	return json_pack("{s:{s:i,s:i}}", "namespace_options", "network", 2,
			 "pid", 1);
}

/* The labels the kubelet puts on every container: CRI-O names a
 * container to NRI plugins by io.kubernetes.container.name alone. */
static json_t *kubelet_labels(const struct ctrd_pod *p)
{
	return json_pack("{s:s,s:s,s:s}", "io.kubernetes.container.name",
			 p->container, "io.kubernetes.pod.name", p->name,
			 "io.kubernetes.pod.namespace", p->ns);
}

/* The sandbox config. */
static int write_pod_file(const struct ctrd *c, struct ctrd_pod *p)
{
	static unsigned serial;
	char uid[96], logdir[CTRD_PATH + 96], cgparent[80];
	json_t *ann =
		p->annotations ? json_deep_copy(p->annotations) : json_object();
	json_t *pod;

	snprintf(uid, sizeof(uid), "%s-%d-%u", p->name, (int)getpid(),
		 serial++);
	snprintf(logdir, sizeof(logdir), "%s/logs/%s", c->dir, uid);
	snprintf(cgparent, sizeof(cgparent), "/%s", c->cgparent);
	snprintf(p->pod_json, sizeof(p->pod_json), "%s/%s-pod.json", c->dir,
		 uid);
	pod = json_pack("{s:{s:s,s:s,s:s,s:i},s:s,s:o,s:{s:s,s:o}}", "metadata",
			"name", p->name, "namespace", p->ns, "uid", uid,
			"attempt", 0, "log_directory", logdir, "annotations",
			ann, "linux", "cgroup_parent", cgparent,
			"security_context", ns_options());
	return pod ? dump_to(p->pod_json, pod) : -ENOMEM;
}

static int write_ctr_file(const struct ctrd *c, const struct ctrd_pod *p,
			  char *path, size_t len)
{
	static unsigned serial;
	json_t *ctr;

	snprintf(path, len, "%s/ctr-%d-%u.json", c->dir, (int)getpid(),
		 serial++);
	ctr = json_pack("{s:{s:s},s:{s:s},s:[s,s],s:s,s:o,s:{s:o}}", "metadata",
			"name", p->container, "image", "image", CTRD_IMAGE,
			"command", "sleep", "3600", "log_path", "app.log",
			"labels", kubelet_labels(p), "linux",
			"security_context", ns_options());
	return ctr ? dump_to(path, ctr) : -ENOMEM;
}

static int crictl_id(struct ctrd *c, struct ctrd_pod *p, char *id, size_t len,
		     const char *what, const char *a1, const char *a2,
		     const char *a3)
{
	char out[8192];
	int r = ctrd_crictl(c, out, sizeof(out), what, a1, a2, a3,
			    (char *)NULL);

	if (r || (id && last_id(out, id, len))) {
		snprintf(p->err, sizeof(p->err), "crictl %s: exit %d: %.400s",
			 what, r, out);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

int ctrd_pod_up(struct ctrd *c, struct ctrd_pod *p)
{
	int err;

	p->pod_id[0] = p->ctr_id[0] = p->err[0] = '\0';
	err = write_pod_file(c, p);
	if (err) {
		snprintf(p->err, sizeof(p->err), "pod file: %s",
			 strerror(-err));
		return err;
	}
	return crictl_id(c, p, p->pod_id, sizeof(p->pod_id), "runp",
			 p->pod_json, NULL, NULL);
}

/* Running once crictl start returned; the check is not timed. */
static int wait_running(struct ctrd *c, struct ctrd_pod *p)
{
	char st[64] = "unknown";

	for (int i = 0; i < 100; i++) {
		if (!ctrd_ctr_state(c, p->ctr_id, st, sizeof(st)) &&
		    !strcmp(st, "CONTAINER_RUNNING"))
			return 0;
		nap_ms(100);
	}
	snprintf(p->err, sizeof(p->err), "container %.12s is %s, not running",
		 p->ctr_id, st);
	return -ETIMEDOUT;
}

int ctrd_ctr_up(struct ctrd *c, struct ctrd_pod *p, double *ms)
{
	char ctr_json[CTRD_PATH + 64];
	double t0;
	int err;

	p->ctr_id[0] = p->err[0] = '\0';
	err = write_ctr_file(c, p, ctr_json, sizeof(ctr_json));
	if (err) {
		snprintf(p->err, sizeof(p->err), "container file: %s",
			 strerror(-err));
		return err;
	}
	t0 = now_ms();
	err = crictl_id(c, p, p->ctr_id, sizeof(p->ctr_id), "create", p->pod_id,
			ctr_json, p->pod_json);
	if (!err)
		err = crictl_id(c, p, NULL, 0, "start", p->ctr_id, NULL, NULL);
	if (ms)
		*ms = now_ms() - t0;
	unlink(ctr_json);
	return err ? err : wait_running(c, p);
}

int ctrd_run_pod(struct ctrd *c, struct ctrd_pod *p)
{
	int err = ctrd_pod_up(c, p);

	return err ? err : ctrd_ctr_up(c, p, NULL);
}

int ctrd_ctr_rm(struct ctrd *c, const char *ctr_id)
{
	char out[4096];
	int r = ctrd_crictl(c, out, sizeof(out), "rm", "-f", ctr_id,
			    (char *)NULL);

	if (r)
		fprintf(stderr, "crictl rm -f %.12s: exit %d: %.300s\n", ctr_id,
			r, out);
	return r ? -EIO : 0;
}

int ctrd_pod_rm(struct ctrd *c, struct ctrd_pod *p)
{
	char out[4096];
	int r;

	if (!p->pod_id[0])
		return 0;
	r = ctrd_crictl(c, out, sizeof(out), "stopp", p->pod_id, (char *)NULL);
	if (!r)
		r = ctrd_crictl(c, out, sizeof(out), "rmp", p->pod_id,
				(char *)NULL);
	if (r) {
		snprintf(p->err, sizeof(p->err),
			 "crictl stopp/rmp: exit %d: "
			 "%.400s",
			 r, out);
		return -EIO;
	}
	if (p->pod_json[0])
		unlink(p->pod_json);
	p->pod_id[0] = p->ctr_id[0] = '\0';
	return 0;
}

json_t *ctrd_inspect(const struct ctrd *c, const char *id)
{
	static char out[1 << 17];
	char *brace;

	if (ctrd_crictl(c, out, sizeof(out), "inspect", "-o", "json", id,
			(char *)NULL))
		return NULL;
	/* warnings may come first: the document starts at the first '{' */
	brace = strchr(out, '{');
	return brace ? json_loads(brace, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
}

int ctrd_ctr_state(const struct ctrd *c, const char *id, char *state,
		   size_t len)
{
	json_t *j = ctrd_inspect(c, id);
	const char *s;

	snprintf(state, len, "unknown");
	if (!j)
		return -EIO;
	s = json_string_value(
		json_object_get(json_object_get(j, "status"), "state"));
	if (s)
		snprintf(state, len, "%s", s);
	json_decref(j);
	return s ? 0 : -EPROTO;
}

int ctrd_ctr_pid(const struct ctrd *c, const char *id)
{
	json_t *j = ctrd_inspect(c, id);
	json_int_t pid;

	if (!j)
		return -EIO;
	pid = json_integer_value(
		json_object_get(json_object_get(j, "info"), "pid"));
	json_decref(j);
	return pid > 0 ? (int)pid : -EPROTO;
}

static json_t *runtime_spec(json_t *inspect)
{
	return json_object_get(json_object_get(inspect, "info"), "runtimeSpec");
}

int ctrd_ctr_root_path(const struct ctrd *c, const char *id, char *path,
		       size_t len)
{
	json_t *j = ctrd_inspect(c, id);
	const char *s;

	path[0] = '\0';
	if (!j)
		return -EIO;
	s = json_string_value(json_object_get(
		json_object_get(runtime_spec(j), "root"), "path"));
	if (s)
		snprintf(path, len, "%s", s);
	json_decref(j);
	return s ? 0 : -ENOENT;
}

int ctrd_ctr_mount_source(const struct ctrd *c, const char *id, const char *dst,
			  char *src, size_t len)
{
	json_t *j = ctrd_inspect(c, id), *spec, *m;
	int err = -ENOENT;
	size_t i;

	src[0] = '\0';
	if (!j)
		return -EIO;
	spec = runtime_spec(j);
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *d =
			json_string_value(json_object_get(m, "destination"));
		const char *s = json_string_value(json_object_get(m, "source"));

		if (d && s && !strcmp(d, dst)) {
			snprintf(src, len, "%s", s);
			err = 0;
		}
	}
	json_decref(j);
	return err;
}

int ctrd_count(const struct ctrd *c, const char *what)
{
	char out[16384];
	int n = 0;

	/* "pods" or "ps": one id per line */
	if (ctrd_crictl(c, out, sizeof(out), what, "-q",
			strcmp(what, "ps") ? (char *)NULL : "-a", (char *)NULL))
		return -EIO;
	/* warnings may come too: count the lines that are ids */
	for (char *p = out; *p;) {
		size_t k = strspn(p, "0123456789abcdef");

		n += k >= 12 && (p[k] == '\n' || !p[k]);
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return n;
}
