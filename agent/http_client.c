// SPDX-License-Identifier: Apache-2.0
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/http_client.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS	 5000

struct bs_http {
	struct bs_http_opts o;
	char *token_file, *ca_file;
	CURL *curl;
	uint64_t retries;
	int stopping;
	int cancelled;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void curl_init_once(void)
{
	/* before any thread uses libcurl: not thread-safe itself */
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static size_t discard(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

/* libcurl calls it often while a transfer runs: non-zero aborts it. */
static int progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		    curl_off_t un)
{
	const struct bs_http *h = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return __atomic_load_n(&h->cancelled, __ATOMIC_RELAXED);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

void bs_http_free(struct bs_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->token_file);
	free(h->ca_file);
	free(h);
}

struct bs_http *bs_http_new(const struct bs_http_opts *o)
{
	struct bs_http *h;

	pthread_once(&curl_once, curl_init_once);
	if (!curl_ok)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->o = *o;
	h->token_file = dup_or_null(o->token_file);
	h->ca_file = dup_or_null(o->ca_file);
	h->curl = curl_easy_init();
	if (!h->curl || (o->token_file && *o->token_file && !h->token_file) ||
	    (o->ca_file && *o->ca_file && !h->ca_file)) {
		bs_http_free(h);
		return NULL;
	}
	return h;
}

/* "Authorization: Bearer <first line of the file>"; -EACCES when the
 * file is unreadable or empty. */
static int auth_header(const struct bs_http *h, struct curl_slist **l)
{
	char buf[8192 + 32] = "Authorization: Bearer ";
	size_t pre = strlen(buf), n;
	struct curl_slist *nl;
	ssize_t r;
	int fd;

	if (!h->token_file)
		return 0;
	fd = open(h->token_file, O_RDONLY | O_CLOEXEC);
	r = fd >= 0 ? read(fd, buf + pre, sizeof(buf) - pre - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return -EACCES;
	buf[pre + (size_t)r] = 0;
	n = strcspn(buf + pre, "\r\n");
	buf[pre + n] = 0;
	if (!n)
		return -EACCES;
	nl = curl_slist_append(*l, buf);
	if (!nl)
		return -ENOMEM;
	*l = nl;
	return 0;
}

/* 0 delivered, 1 retry, -EIO give up. */
static int once(struct bs_http *h, const char *method, const char *url,
		const char *body, size_t len, struct curl_slist *hdrs,
		long *code, const char **why)
{
	CURL *c = h->curl;
	CURLcode res;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "beesting");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	if (h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	*code = 0;
	res = curl_easy_perform(c);
	if (res != CURLE_OK) {
		*why = curl_easy_strerror(res);
		return 1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	*why = "HTTP status";
	if (*code >= 200 && *code < 300)
		return 0;
	if (*code == 408 || *code == 429 || *code >= 500)
		return 1;
	return -EIO;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int bs_http_send(struct bs_http *h, const char *method, const char *url,
		 const char *ctype, const char *body, size_t len, long *code,
		 const char **why)
{
	char ct[128];
	struct curl_slist *hdrs;
	long backoff = BACKOFF_FIRST_MS;
	int r = -EIO;

	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
	*code = 0;
	*why = "out of memory";
	hdrs = curl_slist_append(NULL, ct);
	if (!hdrs)
		return -EIO;
	if (auth_header(h, &hdrs)) {
		*why = "no bearer token in the token file";
		curl_slist_free_all(hdrs);
		return -EIO;
	}
	for (unsigned int i = 0;; i++) {
		r = once(h, method, url, body, len, hdrs, code, why);
		if (r <= 0 || i >= h->o.retries ||
		    __atomic_load_n(&h->stopping, __ATOMIC_RELAXED))
			break;
		__atomic_add_fetch(&h->retries, 1, __ATOMIC_RELAXED);
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
						       : backoff * 2;
	}
	curl_slist_free_all(hdrs);
	return r == 0 ? 0 : -EIO;
}

uint64_t bs_http_retries(struct bs_http *h)
{
	return __atomic_load_n(&h->retries, __ATOMIC_RELAXED);
}

void bs_http_stop(struct bs_http *h)
{
	__atomic_store_n(&h->stopping, 1, __ATOMIC_RELAXED);
}

void bs_http_cancel(struct bs_http *h)
{
	bs_http_stop(h);
	__atomic_store_n(&h->cancelled, 1, __ATOMIC_RELAXED);
}

void *bs_http_sink_new(size_t size, const struct bs_http_opts *o)
{
	struct bs_http **impl = calloc(1, size);

	if (impl)
		*impl = bs_http_new(o);
	if (impl && !*impl) {
		free(impl);
		return NULL;
	}
	return impl;
}

void bs_http_sink_free(void *impl)
{
	if (impl)
		bs_http_free(*(struct bs_http **)impl);
	free(impl);
}

uint64_t bs_http_sink_retries(void *impl)
{
	return bs_http_retries(*(struct bs_http **)impl);
}

void bs_http_sink_stop(void *impl)
{
	bs_http_stop(*(struct bs_http **)impl);
}

void bs_http_sink_cancel(void *impl)
{
	bs_http_cancel(*(struct bs_http **)impl);
}
