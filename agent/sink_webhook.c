// SPDX-License-Identifier: Apache-2.0
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/sink_webhook.h"
#include "agent/webhook_format.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS	 5000

struct bs_webhook {
	struct bs_webhook_opts o;
	char *url, *token_file, *ca_file, *hostname;
	CURL *curl;
	uint64_t retries;
	int stopping;
	int warned; /* log the first failure only, counters say the rest */
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

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void webhook_free(void *impl)
{
	struct bs_webhook *h = impl;

	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->url);
	free(h->token_file);
	free(h->ca_file);
	free(h->hostname);
	free(h);
}

int bs_webhook_new(const struct bs_webhook_opts *o, struct bs_webhook **out)
{
	struct bs_webhook *h;

	pthread_once(&curl_once, curl_init_once);
	if (!curl_ok) {
		bs_err("webhook: libcurl init failed");
		return -ENOMEM;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->o = *o;
	h->url = strdup(o->url);
	h->token_file = dup_or_null(o->token_file);
	h->ca_file = dup_or_null(o->ca_file);
	h->hostname = dup_or_null(o->hostname);
	h->curl = curl_easy_init();
	if (!h->url || !h->curl) {
		webhook_free(h);
		return -ENOMEM;
	}
	if (h->token_file && access(h->token_file, R_OK)) {
		int err = errno;

		bs_err("--webhook-token-file %s: %s", h->token_file,
		       strerror(err));
		webhook_free(h);
		return -err;
	}
	*out = h;
	return 0;
}

/* "Authorization: Bearer <first line of the file>", read per POST so a
 * rotated token is picked up.  NULL when there is none or it is bad. */
static struct curl_slist *auth_header(struct bs_webhook *h,
				      struct curl_slist *l, int *bad)
{
	char buf[4096 + 32] = "Authorization: Bearer ";
	size_t pre = strlen(buf), n;
	ssize_t r;
	int fd;

	if (!h->token_file)
		return l;
	fd = open(h->token_file, O_RDONLY | O_CLOEXEC);
	r = fd >= 0 ? read(fd, buf + pre, sizeof(buf) - pre - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (r <= 0) {
		*bad = 1;
		return l;
	}
	buf[pre + (size_t)r] = 0;
	n = strcspn(buf + pre, "\r\n");
	buf[pre + n] = 0;
	if (!n) {
		*bad = 1;
		return l;
	}
	return curl_slist_append(l, buf);
}

/* 0 delivered, 1 retry, -EIO give up. */
static int post_once(struct bs_webhook *h, const char *body, size_t len,
		     struct curl_slist *hdrs, long *code, CURLcode *cres)
{
	CURL *c = h->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, h->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "beesting");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	*code = 0;
	*cres = curl_easy_perform(c);
	if (*cres != CURLE_OK)
		return 1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
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

static void warn_once(struct bs_webhook *h, long code, CURLcode cres)
{
	if (h->warned)
		return;
	h->warned = 1;
	if (cres != CURLE_OK)
		bs_warn("webhook %s: %s (counted in sink_failed; "
			"further failures not logged)",
			h->url, curl_easy_strerror(cres));
	else
		bs_warn("webhook %s: HTTP %ld (counted in sink_failed; "
			"further failures not logged)",
			h->url, code);
}

static int webhook_deliver(void *impl, const struct bs_alert *a)
{
	struct bs_webhook *h = impl;
	struct curl_slist *hdrs;
	long backoff = BACKOFF_FIRST_MS, code = 0;
	CURLcode cres = CURLE_OK;
	int bad_token = 0, r = -EIO;
	size_t len = 0;
	char *body;

	body = bs_webhook_body(h->o.format, a, h->hostname, &len);
	if (!body)
		return -ENOMEM;
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	hdrs = auth_header(h, hdrs, &bad_token);
	for (unsigned int i = 0; hdrs && !bad_token; i++) {
		r = post_once(h, body, len, hdrs, &code, &cres);
		if (r <= 0 || i >= h->o.retries ||
		    __atomic_load_n(&h->stopping, __ATOMIC_RELAXED))
			break;
		__atomic_add_fetch(&h->retries, 1, __ATOMIC_RELAXED);
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
						       : backoff * 2;
	}
	if (bad_token && !h->warned) {
		h->warned = 1;
		bs_warn("webhook %s: no token in %s: not sent", h->url,
			h->token_file);
	}
	curl_slist_free_all(hdrs);
	free(body);
	if (r == 0)
		return 0;
	if (!bad_token)
		warn_once(h, code, cres);
	return -EIO;
}

static uint64_t webhook_retries(void *impl)
{
	struct bs_webhook *h = impl;

	return __atomic_load_n(&h->retries, __ATOMIC_RELAXED);
}

/* At exit: no more retries or back-off sleeps, one attempt per alert. */
static void webhook_stop(void *impl)
{
	struct bs_webhook *h = impl;

	__atomic_store_n(&h->stopping, 1, __ATOMIC_RELAXED);
}

const struct bs_sink_ops bs_sink_webhook_ops = {
	.kind = "webhook",
	.deliver = webhook_deliver,
	.retries = webhook_retries,
	.stop = webhook_stop,
	.free = webhook_free,
};
