/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The framework of docs/results.md (results_doc.h), in results_md.c: it
 * reads the template, loads each CSV once (results_view.h: the latest run
 * of each key), writes the Markdown and renders a CSV as it is (csv:FILE,
 * other).  The curated sections (summary, coverage, stealth, the cost
 * tables, kernel-matrix, targets, detectors) are in results_doc.c, in the
 * table below.
 */
#ifndef BS_HARNESS_RESULTS_MD_H
#define BS_HARNESS_RESULTS_MD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/results_view.h"

#define BS_DOC_MAX_CSVS 32
#define BS_DOC_NAME_LEN 96

/* The document being written. */
struct bs_doc {
	const char *dir;
	char shown[BS_DOC_NAME_LEN]; /* the dir's last part, as named */
	FILE *out;
	struct bs_view views[BS_DOC_MAX_CSVS];
	bool missing[BS_DOC_MAX_CSVS]; /* could not be read: said in the doc */
	size_t n_views;
	/* the files a marker names */
	char claimed[BS_DOC_MAX_CSVS][BS_DOC_NAME_LEN];
	size_t n_claimed;
	int err;
};

struct bs_doc_section;

/* v: the section's file, loaded (NULL for a section with no one file). */
typedef void (*bs_doc_render)(struct bs_doc *d, struct bs_view *v,
			      const struct bs_doc_section *s);

struct bs_doc_section {
	const char *name; /* the template's @@name@@ */
	const char *csv;  /* the file it shows; NULL: none or several */
	bs_doc_render render;
	const void *arg; /* the renderer's own (a cost table) */
};

/* The curated sections (results_doc.c). */
extern const struct bs_doc_section bs_doc_sections[];
extern const size_t bs_doc_n_sections;

/* The file, loaded once; NULL when it is not there (said in the doc). */
struct bs_view *bs_doc_view(struct bs_doc *d, const char *name);
/* "_No `results/NAME` yet._" */
void bs_doc_no_file(struct bs_doc *d, const char *name);
/* The CSV files of the results dir, sorted by name: how many. */
size_t bs_doc_csv_files(struct bs_doc *d, char (*names)[BS_VIEW_KEY_LEN]);
/* qsort order of names (strcmp). */
int bs_doc_name_cmp(const void *a, const void *b);

/* ---- the Markdown writer ---- */
/* Text in a table cell (a '|' escaped). */
void bs_md_text(FILE *o, const char *s);
/* `s`, or "—" for "". */
void bs_md_code(FILE *o, const char *s);
/* A table's header row and its rule. */
void bs_md_head(FILE *o, const char *const *cols, size_t n);

#endif
