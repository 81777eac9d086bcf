// SPDX-License-Identifier: Apache-2.0
/* JSON strings from bytes (see json.h). */
#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/json.h"

static bool printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

void bs_json_str(char *buf, size_t n, size_t *off, const char *s)
{
	bs_put(buf, n, off, "\"");
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			bs_put(buf, n, off, "\\%c", *p);
		else if (!printable(*p))
			bs_put(buf, n, off, "\\u%04x", *p);
		else
			bs_put(buf, n, off, "%c", *p);
	}
	bs_put(buf, n, off, "\"");
}

json_t *bs_json_ascii(const char *s)
{
	char buf[512];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = printable((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = 0;
	return json_string(buf);
}
