// SPDX-License-Identifier: Apache-2.0
/*
 * docs/results.md from the results CSVs and a template (results_doc.h):
 * the framework (results_md.h).  It reads the template, loads each CSV
 * once, writes the Markdown, renders a CSV as it is (csv:FILE, other) and
 * calls the curated sections (results_doc.c) for the other markers.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/results_doc.h"
#include "harness/results_md.h"
#include "lib/csv_table.h"
#include "lib/log.h"

#define KEY_LEN	 BS_VIEW_KEY_LEN
#define PATH_LEN 1024
#define LINE_LEN 4096

/* The file, loaded once; NULL when it is not there (said in the doc). */
struct bs_view *bs_doc_view(struct bs_doc *d, const char *name)
{
	size_t i;
	int err;

	for (i = 0; i < d->n_views; i++)
		if (!strcmp(d->views[i].name, name))
			return d->missing[i] ? NULL : &d->views[i];
	if (d->n_views == BS_DOC_MAX_CSVS) {
		bs_warn("results doc: more than %d CSVs, %s left out",
			BS_DOC_MAX_CSVS, name);
		return NULL;
	}
	i = d->n_views++;
	err = bs_view_load(&d->views[i], d->dir, name);
	if (err == -ENOMEM)
		d->err = err;
	d->missing[i] = err != 0;
	return d->missing[i] ? NULL : &d->views[i];
}

/* ---- Markdown ------------------------------------------------------ */

void bs_md_text(FILE *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', o); /* a cell's bar would end the cell */
		fputc(*s, o);
	}
}

void bs_md_code(FILE *o, const char *s)
{
	if (!s[0]) {
		fputs("—", o);
		return;
	}
	fputc('`', o);
	bs_md_text(o, s);
	fputc('`', o);
}

void bs_md_head(FILE *o, const char *const *cols, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		fputs("| ", o);
		bs_md_text(o, cols[c]);
		fputc(' ', o);
	}
	fputs("|\n", o);
	for (size_t c = 0; c < n; c++)
		fputs("|---", o);
	fputs("|\n", o);
}

void bs_doc_no_file(struct bs_doc *d, const char *name)
{
	fprintf(d->out, "_No `%s/%s` yet._\n", d->shown, name);
}

/* ---- any CSV, as it is --------------------------------------------- */

/* Rank of each key value by first appearance in its column, so sorted
 * rows come in groups, in the file's order. */
struct ranked {
	const struct bs_view *v;
	size_t row;
	size_t rank[BS_CSV_MAX_COLS];
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	for (size_t c = 0; c < a->v->t.n_cols; c++)
		if (a->rank[c] != b->rank[c])
			return a->rank[c] < b->rank[c] ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

static void render_generic(struct bs_doc *d, struct bs_view *v,
			   const struct bs_doc_section *s)
{
	size_t n = 0, k = 0;
	struct ranked *rows =
		calloc(v->t.n_rows ? v->t.n_rows : 1, sizeof(*rows));
	FILE *o = d->out;

	(void)s;
	if (!rows) {
		d->err = -ENOMEM;
		return;
	}
	fprintf(o, "From `%s/%s`, the latest run of each ", d->shown, v->name);
	for (size_t c = 0; c < v->t.n_cols; c++)
		if (v->is_key[c])
			fprintf(o, "%s`%s`", k++ ? " × " : "", v->t.header[c]);
	fprintf(o, "%s.\n\n", k ? "" : "row");
	for (size_t r = 0; r < v->t.n_rows; r++) {
		if (!v->keep[r])
			continue;
		rows[n].v = v;
		rows[n].row = r;
		for (size_t c = 0; c < v->t.n_cols; c++)
			rows[n].rank[c] =
				v->is_key[c]
					? bs_view_first_seen(v, (int)c, r, true)
					: 0;
		n++;
	}
	qsort(rows, n, sizeof(*rows), ranked_cmp);
	bs_md_head(o, (const char *const *)v->t.header, v->t.n_cols);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < v->t.n_cols; c++) {
			fputs("| ", o);
			bs_md_text(o,
				   bs_csv_table_at(&v->t, rows[i].row, (int)c));
			fputc(' ', o);
		}
		fputs("|\n", o);
	}
	free(rows);
}

/* ---- the results dir ----------------------------------------------- */

int bs_doc_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The CSV files of the results dir, sorted by name. */
size_t bs_doc_csv_files(struct bs_doc *d, char (*names)[KEY_LEN])
{
	DIR *dir = opendir(d->dir);
	struct dirent *e;
	size_t n = 0, len;

	if (!dir)
		return 0;
	while ((e = readdir(dir)) && n < BS_DOC_MAX_CSVS) {
		len = strlen(e->d_name);
		if (len > 4 && !strcmp(e->d_name + len - 4, ".csv") &&
		    len < BS_DOC_NAME_LEN)
			snprintf(names[n++], KEY_LEN, "%s", e->d_name);
	}
	closedir(dir);
	qsort(names, n, KEY_LEN, bs_doc_name_cmp);
	return n;
}

/* ---- the template -------------------------------------------------- */

/* "@@name@@" on a line of its own: the name, else NULL. */
static const char *marker(char *line)
{
	size_t len;

	line[strcspn(line, "\r\n")] = '\0';
	len = strlen(line);
	if (len < 5 || strncmp(line, "@@", 2) || strcmp(line + len - 2, "@@"))
		return NULL;
	line[len - 2] = '\0';
	return line + 2;
}

static bool claimed(const struct bs_doc *d, const char *csv)
{
	for (size_t i = 0; i < d->n_claimed; i++)
		if (!strcmp(d->claimed[i], csv))
			return true;
	return false;
}

/* csv:FILE for every CSV no marker names. */
static void render_other(struct bs_doc *d, struct bs_view *none,
			 const struct bs_doc_section *s)
{
	static char names[BS_DOC_MAX_CSVS][KEY_LEN];
	size_t n = bs_doc_csv_files(d, names), shown = 0;

	(void)none;
	for (size_t i = 0; i < n; i++) {
		struct bs_view *v;

		if (claimed(d, names[i]) || !(v = bs_doc_view(d, names[i])))
			continue;
		fprintf(d->out, "%s### %s\n\n", shown++ ? "\n" : "", names[i]);
		render_generic(d, v, s);
	}
	if (!shown)
		fprintf(d->out, "_Every CSV in `%s/` has its section above._\n",
			d->shown);
}

static void render(struct bs_doc *d, const struct bs_doc_section *s,
		   const char *csv)
{
	struct bs_view *v;

	if (!csv) {
		s->render(d, NULL, s);
		return;
	}
	v = bs_doc_view(d, csv);
	if (v)
		s->render(d, v, s);
	else
		bs_doc_no_file(d, csv);
}

/* The sections about any CSV, then the curated ones. */
static const struct bs_doc_section *find_section(const char *name)
{
	static const struct bs_doc_section own[] = {
		{ "other", NULL, render_other, NULL },
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(own[i].name, name))
			return &own[i];
	for (size_t i = 0; i < bs_doc_n_sections; i++)
		if (!strcmp(bs_doc_sections[i].name, name))
			return &bs_doc_sections[i];
	return NULL;
}

/* The marker's section and the file it shows (*csv, NULL: none). */
static const struct bs_doc_section *section_of(const char *name,
					       const char **csv)
{
	static const struct bs_doc_section csv_section = { "csv", NULL,
							   render_generic,
							   NULL };
	const struct bs_doc_section *s;

	*csv = NULL;
	if (!strncmp(name, "csv:", 4)) {
		*csv = name + 4;
		return &csv_section;
	}
	s = find_section(name);
	if (s)
		*csv = s->csv;
	return s;
}

/* First pass: which files the markers name, and no unknown marker. */
static int claim(struct bs_doc *d, FILE *tpl, const char *path)
{
	char line[LINE_LEN];
	const char *name, *csv;
	unsigned no = 0;

	while (fgets(line, sizeof(line), tpl)) {
		no++;
		if (!(name = marker(line)))
			continue;
		if (!section_of(name, &csv)) {
			bs_err("%s:%u: unknown section @@%s@@", path, no, name);
			return -EINVAL;
		}
		if (csv && !claimed(d, csv) && d->n_claimed < BS_DOC_MAX_CSVS)
			snprintf(d->claimed[d->n_claimed++], BS_DOC_NAME_LEN,
				 "%s", csv);
	}
	rewind(tpl);
	return 0;
}

static void fill(struct bs_doc *d, FILE *tpl)
{
	char line[LINE_LEN], copy[LINE_LEN];
	const char *name, *csv = NULL;
	const struct bs_doc_section *s;

	while (fgets(line, sizeof(line), tpl)) {
		memcpy(copy, line, sizeof(copy));
		if (!(name = marker(copy))) {
			fputs(line, d->out);
			continue;
		}
		s = section_of(name, &csv);
		render(d, s, csv);
	}
}

static void doc_free(struct bs_doc *d)
{
	for (size_t i = 0; i < d->n_views; i++)
		bs_view_free(&d->views[i]);
}

/* "results", "./results/", "/x/results" -> "results". */
static void shown_name(const char *dir, char *buf, size_t len)
{
	const char *end = dir + strlen(dir), *start;

	while (end > dir && end[-1] == '/')
		end--;
	start = end;
	while (start > dir && start[-1] != '/')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

int bs_results_doc(const char *results_dir, const char *template_path,
		   const char *out_path)
{
	static struct bs_doc d;
	char tmp[PATH_LEN];
	FILE *tpl = fopen(template_path, "r");
	int err;

	if (!tpl) {
		err = -errno;
		bs_err("results doc: %s: %s", template_path, strerror(-err));
		return err;
	}
	memset(&d, 0, sizeof(d));
	d.dir = results_dir;
	shown_name(results_dir, d.shown, sizeof(d.shown));
	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	err = claim(&d, tpl, template_path);
	if (!err && !(d.out = fopen(tmp, "w")))
		err = -errno;
	if (!err) {
		fill(&d, tpl);
		err = d.err;
		if (ferror(d.out))
			err = -EIO;
		if (fclose(d.out) && !err)
			err = -errno;
		if (!err && rename(tmp, out_path))
			err = -errno;
		if (err)
			unlink(tmp);
	}
	fclose(tpl);
	doc_free(&d);
	if (err && err != -EINVAL)
		bs_err("results doc: %s: %s", out_path, strerror(-err));
	return err;
}
