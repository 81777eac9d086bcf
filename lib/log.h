/* SPDX-License-Identifier: Apache-2.0 */
/* One log line per event to stderr: "<ISO time> <level> <message>".
 * Errors are logged once, at the boundary where they are handled. */
#ifndef BS_LIB_LOG_H
#define BS_LIB_LOG_H

enum bs_log_level { BS_LOG_ERR, BS_LOG_WARN, BS_LOG_INFO, BS_LOG_DEBUG };

void bs_log_set_level(enum bs_log_level lvl);
void bs_log(enum bs_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define bs_err(...)   bs_log(BS_LOG_ERR, __VA_ARGS__)
#define bs_warn(...)  bs_log(BS_LOG_WARN, __VA_ARGS__)
#define bs_info(...)  bs_log(BS_LOG_INFO, __VA_ARGS__)
#define bs_debug(...) bs_log(BS_LOG_DEBUG, __VA_ARGS__)

#endif
