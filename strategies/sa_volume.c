// SPDX-License-Identifier: Apache-2.0
/*
 * The files a kubelet service-account volume holds besides the token
 * (sa_volume.h), and the made-up cluster CA it shows: DER written by hand,
 * X.509 v3 as kubeadm makes its CA (RFC 5280 structure).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strategies/sa_volume.h"
#include "strategies/tokgen.h"

#define DER_MAX 1400
#define PEM_MAX 2048
#define CA_CN	"kubernetes"
#define CA_DAYS 3650

/* A DER buffer: parts appended, then wrapped in a tag. */
struct der {
	uint8_t b[DER_MAX];
	size_t n;
	bool bad;
};

static void put(struct der *d, const void *p, size_t len)
{
	if (d->bad || d->n + len > sizeof(d->b)) {
		d->bad = true;
		return;
	}
	memcpy(d->b + d->n, p, len);
	d->n += len;
}

/* tag, length (short or long form), content */
static void tlv(struct der *d, uint8_t tag, const void *c, size_t len)
{
	uint8_t h[4] = { tag };
	size_t hn;

	if (len < 0x80) {
		h[1] = (uint8_t)len;
		hn = 2;
	} else if (len < 0x100) {
		h[1] = 0x81;
		h[2] = (uint8_t)len;
		hn = 3;
	} else {
		h[1] = 0x82;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hn = 4;
	}
	put(d, h, hn);
	put(d, c, len);
}

static void wrap(struct der *out, uint8_t tag, const struct der *in)
{
	if (in->bad)
		out->bad = true;
	tlv(out, tag, in->b, in->n);
}

#define SEQ  0x30
#define SET  0x31
#define OID  0x06
#define INT  0x02
#define BITS 0x03
#define OCT  0x04

static const uint8_t oid_sha256_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
					  0x0d, 0x01, 0x01, 0x0b };
static const uint8_t oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
				   0x0d, 0x01, 0x01, 0x01 };
static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_ku[] = { 0x55, 0x1d, 0x0f };
static const uint8_t oid_bc[] = { 0x55, 0x1d, 0x13 };
static const uint8_t oid_ski[] = { 0x55, 0x1d, 0x0e };
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };
static const uint8_t der_null[] = { 0x05, 0x00 };
static const uint8_t der_true[] = { 0x01, 0x01, 0xff };

static void alg_id(struct der *d, const uint8_t *oid, size_t len)
{
	struct der a = { 0 };

	tlv(&a, OID, oid, len);
	put(&a, der_null, sizeof(der_null));
	wrap(d, SEQ, &a);
}

/* CN=kubernetes */
static void name(struct der *d)
{
	struct der atv = { 0 }, rdn = { 0 }, seq = { 0 };

	tlv(&atv, OID, oid_cn, sizeof(oid_cn));
	tlv(&atv, 0x0c, CA_CN, strlen(CA_CN));
	wrap(&rdn, SEQ, &atv);
	wrap(&seq, SET, &rdn);
	wrap(d, SEQ, &seq);
}

static void utc_time(struct der *d, time_t t)
{
	char s[16];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm);
	tlv(d, 0x17, s, strlen(s));
}

/* An RSA-2048 public key: a random odd 2048-bit modulus, e = 65537. */
static int spki(struct der *d, uint8_t ski[20])
{
	uint8_t mod[257];
	static const uint8_t e[] = { 0x01, 0x00, 0x01 };
	struct der key = { 0 }, bits = { 0 }, s = { 0 };
	uint8_t zero = 0;

	if (bs_random(mod + 1, 256) || bs_random(ski, 20))
		return -1;
	mod[0] = 0; /* positive INTEGER */
	mod[1] |= 0x80;
	mod[256] |= 1;
	tlv(&key, INT, mod, sizeof(mod));
	tlv(&key, INT, e, sizeof(e));
	put(&bits, &zero, 1); /* no unused bits */
	wrap(&bits, SEQ, &key);
	alg_id(&s, oid_rsa, sizeof(oid_rsa));
	wrap(&s, BITS, &bits);
	wrap(d, SEQ, &s);
	return 0;
}

static void extension(struct der *d, const uint8_t *oid, size_t oid_len,
		      bool critical, const struct der *value)
{
	struct der e = { 0 };

	tlv(&e, OID, oid, oid_len);
	if (critical)
		put(&e, der_true, sizeof(der_true));
	wrap(&e, OCT, value);
	wrap(d, SEQ, &e);
}

/* kubeadm's CA: keyUsage digitalSignature, keyEncipherment, keyCertSign
 * (critical), basicConstraints CA (critical), subjectKeyIdentifier,
 * subjectAltName DNS:kubernetes. */
static void extensions(struct der *d, const uint8_t ski[20])
{
	static const uint8_t ku[] = { BITS, 0x02, 0x02, 0xa4 };
	struct der v, all = { 0 }, seq = { 0 };

	v = (struct der){ 0 };
	put(&v, ku, sizeof(ku));
	extension(&all, oid_ku, sizeof(oid_ku), true, &v);
	v = (struct der){ 0 };
	tlv(&v, SEQ, der_true, sizeof(der_true));
	extension(&all, oid_bc, sizeof(oid_bc), true, &v);
	v = (struct der){ 0 };
	tlv(&v, OCT, ski, 20);
	extension(&all, oid_ski, sizeof(oid_ski), false, &v);
	v = (struct der){ 0 };
	{
		struct der gn = { 0 };

		tlv(&gn, 0x82, CA_CN, strlen(CA_CN)); /* dNSName */
		wrap(&v, SEQ, &gn);
	}
	extension(&all, oid_san, sizeof(oid_san), false, &v);
	wrap(&seq, SEQ, &all);
	wrap(d, 0xa3, &seq); /* [3] EXPLICIT */
}

static int make_cert(struct der *cert)
{
	static const uint8_t version[] = { 0xa0, 0x03, INT, 0x01, 0x02 };
	struct der tbs = { 0 }, val = { 0 }, c = { 0 }, sig = { 0 };
	uint8_t serial[8], ski[20], r[2];
	time_t nb;

	if (bs_random(serial, sizeof(serial)) || bs_random(r, sizeof(r)))
		return -1;
	serial[0] = (serial[0] & 0x7f) | 0x01;
	/* the cluster was made some weeks to a year ago, on the minute */
	nb = time(NULL) - (time_t)(30 + (r[0] | r[1] << 8) % 335) * 86400;
	nb -= nb % 60;
	put(&tbs, version, sizeof(version));
	tlv(&tbs, INT, serial, sizeof(serial));
	alg_id(&tbs, oid_sha256_rsa, sizeof(oid_sha256_rsa));
	name(&tbs);
	utc_time(&val, nb);
	utc_time(&val, nb + (time_t)CA_DAYS * 86400);
	wrap(&tbs, SEQ, &val);
	name(&tbs);
	if (spki(&tbs, ski))
		return -1;
	extensions(&tbs, ski);
	wrap(&c, SEQ, &tbs);
	alg_id(&c, oid_sha256_rsa, sizeof(oid_sha256_rsa));
	{
		uint8_t s[257] = { 0 }; /* no unused bits, 256 bytes */

		if (bs_random(s + 1, 256))
			return -1;
		put(&sig, s, sizeof(s));
	}
	wrap(&c, BITS, &sig);
	wrap(cert, SEQ, &c);
	return cert->bad ? -1 : 0;
}

static struct {
	char pem[PEM_MAX];
	size_t len;
} ca;
static pthread_once_t ca_once = PTHREAD_ONCE_INIT;

static void ca_init(void)
{
	static struct der cert;
	char b64[PEM_MAX];
	size_t o;
	int n;

	if (make_cert(&cert))
		return;
	n = bs_base64(cert.b, cert.n, 0, b64, sizeof(b64));
	if (n < 0)
		return;
	o = (size_t)snprintf(ca.pem, sizeof(ca.pem),
			     "-----BEGIN CERTIFICATE-----\n");
	for (int i = 0; i < n && o + 70 < sizeof(ca.pem); i += 64)
		o += (size_t)snprintf(ca.pem + o, sizeof(ca.pem) - o, "%.64s\n",
				      b64 + i);
	if (o + 30 >= sizeof(ca.pem))
		return;
	o += (size_t)snprintf(ca.pem + o, sizeof(ca.pem) - o,
			      "-----END CERTIFICATE-----\n");
	ca.len = o;
}

const char *bs_sa_cluster_ca(size_t *len)
{
	pthread_once(&ca_once, ca_init);
	*len = ca.len;
	return ca.len ? ca.pem : NULL;
}

static bool has_file(const struct bs_atomic_file *files, size_t n,
		     const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(files[i].name, name))
			return true;
	return false;
}

size_t bs_sa_volume_extra(const char *dir, const struct bs_pod *pod,
			  struct bs_atomic_file *files, size_t n, size_t cap)
{
	const char *ns =
		pod && bs_k8s_name_valid(pod->ns) ? pod->ns : "default";
	const char *pem;
	size_t len;

	if (strcmp(dir, BS_SA_DIR) &&
	    strcmp(dir, "/run/secrets/kubernetes.io/serviceaccount"))
		return n;
	pem = bs_sa_cluster_ca(&len);
	if (pem && n < cap && !has_file(files, n, "ca.crt"))
		files[n++] = (struct bs_atomic_file){
			.name = "ca.crt",
			.content = (const uint8_t *)pem,
			.len = len,
		};
	if (n < cap && !has_file(files, n, "namespace"))
		files[n++] = (struct bs_atomic_file){
			.name = "namespace",
			.content = (const uint8_t *)ns,
			.len = strlen(ns),
		};
	return n;
}
