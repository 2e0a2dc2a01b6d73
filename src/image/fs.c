/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.c — the virtual file index of an image's final file system.
 *
 * A tree of nodes (one per path) with a small open-addressing hash table of children per
 * directory, so that whiteouts delete a whole subtree in O(size of subtree) and lookups
 * cost one hash probe per path component. Layers are applied in order with OCI
 * semantics (image-spec layer.md): whiteouts and opaque markers of a layer act on the
 * lower layers only, so they are applied before the layer's own entries.
 * Nothing here touches the host file system; symlinks are data, resolved only by
 * img_fs_resolve() inside the image root.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

struct fs_node {
	struct img_file file;    /* file.path is the full normalised path */
	struct fs_node *parent;
	const char *name;        /* basename, points into file.path */
	size_t name_len;
	uint64_t name_prefix;    /* name_prefix_of(name): the sort key of img_fs_finalize() */
	struct fs_node **kids;   /* hash table (power-of-two capacity) of children */
	uint32_t n_kids;         /* live children */
	uint32_t n_used;         /* live + tombstones */
	uint32_t cap_kids;
};

#define TOMB ((struct fs_node *)(uintptr_t)1)

struct img_fs {
	const struct bh_limits *limits;
	struct fs_node root;
	uint64_t n_nodes;
	const struct img_file **order; /* tree order after finalize */
	size_t n_order;
	size_t *with_content; /* indexes into order of regular files with captured content */
	size_t n_with_content;
};

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void node_free(struct img_fs *fs, struct fs_node *n)
{
	/*
	 * Iterative post-order walk: hostile images can be 100k levels deep. cap_kids of a
	 * dying node counts down as the cursor of its child table, so that a directory with
	 * many entries is scanned once, not once per child.
	 */
	struct fs_node *cur = n;
	while (cur) {
		struct fs_node *child = NULL;
		while (cur->cap_kids > 0) {
			struct fs_node *k = cur->kids[--cur->cap_kids];
			if (k && k != TOMB) {
				child = k;
				break;
			}
		}
		if (child) {
			cur = child;
			continue;
		}
		struct fs_node *parent = cur->parent;
		bool last = cur == n;
		free(cur->kids);
		img_file_done(&cur->file);
		if (fs->n_nodes)
			fs->n_nodes--;
		if (cur != &fs->root)
			free(cur);
		if (last)
			break;
		cur = parent;
	}
}

void img_file_done(struct img_file *f)
{
	free(f->path);
	free(f->link);
	img_blob_free_list(f->content);
	f->path = f->link = NULL;
	f->content = NULL;
}

int img_fs_new(const struct bh_limits *limits, struct img_fs **ret)
{
	struct img_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->limits = limits;
	fs->root.file.path = strdup("");
	if (!fs->root.file.path) {
		free(fs);
		return -ENOMEM;
	}
	fs->root.file.type = IMG_FT_DIR;
	fs->root.file.mode = 0755;
	fs->root.file.layer = -1;
	fs->root.name = fs->root.file.path;
	*ret = fs;
	return 0;
}

void img_fs_free(struct img_fs *fs)
{
	if (!fs)
		return;
	node_free(fs, &fs->root);
	free(fs->order);
	free(fs->with_content);
	free(fs);
}

static struct fs_node *kid_find(const struct fs_node *dir, const char *name, size_t len)
{
	if (!dir->cap_kids)
		return NULL;
	uint32_t mask = dir->cap_kids - 1;
	for (uint32_t i = name_hash(name, len) & mask;; i = (i + 1) & mask) {
		struct fs_node *k = dir->kids[i];
		if (!k)
			return NULL;
		if (k != TOMB && k->name_len == len && memcmp(k->name, name, len) == 0)
			return k;
	}
}

static int kids_grow(struct fs_node *dir)
{
	uint32_t ncap = dir->cap_kids ? dir->cap_kids * 2 : 8;
	if (dir->n_kids * 2 < dir->cap_kids)
		ncap = dir->cap_kids; /* only tombstones to clear */
	if (ncap < dir->cap_kids || ncap > (1u << 30))
		return -E2BIG;
	struct fs_node **nk = calloc(ncap, sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	uint32_t mask = ncap - 1;
	for (uint32_t i = 0; i < dir->cap_kids; i++) {
		struct fs_node *k = dir->kids[i];
		if (!k || k == TOMB)
			continue;
		uint32_t j = name_hash(k->name, k->name_len) & mask;
		while (nk[j])
			j = (j + 1) & mask;
		nk[j] = k;
	}
	free(dir->kids);
	dir->kids = nk;
	dir->cap_kids = ncap;
	dir->n_used = dir->n_kids;
	return 0;
}

static int kid_insert(struct fs_node *dir, struct fs_node *k)
{
	if ((dir->n_used + 1) * 4 >= dir->cap_kids * 3) {
		int r = kids_grow(dir);
		if (r < 0)
			return r;
	}
	uint32_t mask = dir->cap_kids - 1;
	uint32_t i = name_hash(k->name, k->name_len) & mask;
	while (dir->kids[i] && dir->kids[i] != TOMB)
		i = (i + 1) & mask;
	if (!dir->kids[i])
		dir->n_used++;
	dir->kids[i] = k;
	dir->n_kids++;
	k->parent = dir;
	return 0;
}

static void kid_remove(struct img_fs *fs, struct fs_node *dir, struct fs_node *k)
{
	uint32_t mask = dir->cap_kids - 1;
	for (uint32_t i = name_hash(k->name, k->name_len) & mask;; i = (i + 1) & mask) {
		if (dir->kids[i] == k) {
			dir->kids[i] = TOMB;
			break;
		}
		if (!dir->kids[i])
			return;
	}
	dir->n_kids--;
	k->parent = NULL;
	node_free(fs, k);
}

static void kids_clear(struct img_fs *fs, struct fs_node *dir)
{
	for (uint32_t i = 0; i < dir->cap_kids; i++) {
		struct fs_node *k = dir->kids[i];
		if (k && k != TOMB) {
			dir->kids[i] = TOMB;
			k->parent = NULL;
			node_free(fs, k);
		}
	}
	dir->n_kids = 0;
}

/*
 * The first 8 bytes of a name, big-endian and zero-padded: ordered like strcmp() on those
 * bytes (names hold no NUL). Kept in the node, computed while the name is in cache, so
 * that sorting a directory rarely touches the names themselves.
 */
static uint64_t name_prefix_of(const char *name, size_t len)
{
	uint64_t p = 0;
	for (size_t i = 0; i < 8; i++)
		p = p << 8 | (i < len ? (unsigned char)name[i] : 0u);
	return p;
}

/* A new node for path[0..len) whose basename starts at name_off; takes nothing. */
static struct fs_node *node_new(const char *path, size_t len, size_t name_off)
{
	struct fs_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->file.path = span_dup(span_make(path, len));
	if (!n->file.path) {
		free(n);
		return NULL;
	}
	n->name = n->file.path + name_off;
	n->name_len = len - name_off;
	n->name_prefix = name_prefix_of(n->name, n->name_len);
	return n;
}

static int count_node(struct img_fs *fs)
{
	if (fs->n_nodes >= fs->limits->max_entries)
		return -E2BIG;
	fs->n_nodes++;
	return 0;
}

/*
 * Walk to the parent directory of path, creating implicit directories (mode 0755,
 * owned by layer_no) for missing components. A symlink met on the way is resolved
 * inside the root, as containerd's applier resolves parents; a non-directory is
 * replaced by a directory. *ret_name_off is where the last component starts.
 */
static int walk_parent(struct img_fs *fs, const char *path, int layer_no, struct fs_node **ret,
		       size_t *ret_name_off)
{
	struct fs_node *dir = &fs->root;
	size_t len = strlen(path);
	const char *slash = memrchr(path, '/', len);
	size_t name_off = slash ? (size_t)(slash - path) + 1 : 0;
	size_t i = 0;
	unsigned hops = 0;
	while (i < name_off) {
		const char *comp = path + i;
		const char *end = memchr(comp, '/', name_off - i);
		size_t clen = (size_t)(end - comp);
		struct fs_node *k = kid_find(dir, comp, clen);
		if (k && k->file.type == IMG_FT_SYMLINK) {
			const struct img_file *t;
			if (++hops > fs->limits->link_max_hops)
				return -ELOOP;
			int r = img_fs_resolve(fs, k->file.path, &t);
			if (r >= 0 && t->type == IMG_FT_DIR) {
				/* img_file is the first member of fs_node */
				dir = (struct fs_node *)(uintptr_t)t;
				i += clen + 1;
				continue;
			}
			/* dangling or not a directory: replace the link by a directory */
			kid_remove(fs, dir, k);
			k = NULL;
		} else if (k && k->file.type != IMG_FT_DIR) {
			kid_remove(fs, dir, k);
			k = NULL;
		}
		if (!k) {
			int r = count_node(fs);
			if (r < 0)
				return r;
			/* The implicit directory's path is the real path up to here. */
			struct buf p;
			buf_init(&p, fs->limits->path_max_bytes + 1);
			if (dir->file.path[0] && (buf_puts(&p, dir->file.path) < 0 || buf_putc(&p, '/') < 0)) {
				buf_done(&p);
				return -E2BIG;
			}
			size_t off = p.len;
			if (buf_append(&p, comp, clen) < 0) {
				buf_done(&p);
				return -E2BIG;
			}
			k = node_new(p.ptr, p.len, off);
			buf_done(&p);
			if (!k)
				return -ENOMEM;
			k->file.type = IMG_FT_DIR;
			k->file.mode = 0755;
			k->file.layer = layer_no;
			r = kid_insert(dir, k);
			if (r < 0) {
				node_free(fs, k);
				return r;
			}
		}
		dir = k;
		i += clen + 1;
	}
	*ret = dir;
	*ret_name_off = name_off;
	return 0;
}

static struct fs_node *node_lookup(const struct img_fs *fs, const char *path)
{
	const struct fs_node *dir = &fs->root;
	if (!*path)
		return (struct fs_node *)&fs->root;
	for (;;) {
		const char *slash = strchr(path, '/');
		size_t clen = slash ? (size_t)(slash - path) : strlen(path);
		struct fs_node *k = kid_find(dir, path, clen);
		if (!k)
			return NULL;
		if (!slash)
			return k;
		if (k->file.type != IMG_FT_DIR)
			return NULL;
		dir = k;
		path = slash + 1;
	}
}

const struct img_file *img_fs_lookup(const struct img_fs *fs, const char *path)
{
	while (*path == '/')
		path++;
	struct fs_node *n = node_lookup(fs, path);
	return n ? &n->file : NULL;
}

int img_fs_resolve(const struct img_fs *fs, const char *path, const struct img_file **ret)
{
	/* rest holds what is left to walk; it grows when a symlink target is spliced in. */
	struct buf rest;
	buf_init(&rest, fs->limits->path_max_bytes * 4 + 64);
	int r = buf_puts(&rest, path);
	if (r < 0) {
		buf_done(&rest);
		return r;
	}
	const struct fs_node *cur = &fs->root;
	size_t pos = 0;
	unsigned hops = 0;
	for (;;) {
		while (pos < rest.len && rest.ptr[pos] == '/')
			pos++;
		if (pos >= rest.len)
			break;
		const char *comp = rest.ptr + pos;
		const char *slash = memchr(comp, '/', rest.len - pos);
		size_t clen = slash ? (size_t)(slash - comp) : rest.len - pos;
		pos += clen;
		if (clen == 1 && comp[0] == '.')
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			if (cur->parent)
				cur = cur->parent;
			continue;
		}
		if (cur->file.type != IMG_FT_DIR) {
			r = -ENOTDIR;
			goto out;
		}
		const struct fs_node *k = kid_find(cur, comp, clen);
		if (!k) {
			r = -ENOENT;
			goto out;
		}
		if (k->file.type != IMG_FT_SYMLINK) {
			cur = k;
			continue;
		}
		if (++hops > fs->limits->link_max_hops) {
			r = -ELOOP;
			goto out;
		}
		/* Splice: target + remaining components. */
		const char *target = k->file.link ? k->file.link : "";
		struct buf nb;
		buf_init(&nb, rest.max);
		r = buf_puts(&nb, target);
		if (r >= 0 && pos < rest.len)
			r = buf_append(&nb, rest.ptr + pos, rest.len - pos);
		if (r < 0) {
			buf_done(&nb);
			goto out;
		}
		buf_done(&rest);
		rest = nb;
		pos = 0;
		if (target[0] == '/')
			cur = &fs->root;
		/* relative: continue from the directory holding the link (cur) */
	}
	*ret = &cur->file;
	r = 0;
out:
	buf_done(&rest);
	return r;
}

int img_path_normalize(struct span in, const struct bh_limits *limits, struct buf *ret)
{
	buf_clear(ret);
	size_t depth = 0;
	struct span comp;
	while (in.len && in.ptr[0] == '/') {
		in.ptr++;
		in.len--;
	}
	if (memchr(in.ptr, '\0', in.len))
		return -EBADMSG;
	while (span_next_token(&in, '/', &comp) == 0) {
		if (comp.len == 0 || span_eq_str(comp, "."))
			continue;
		if (span_eq_str(comp, ".."))
			return -EBADMSG;
		if (++depth > limits->path_max_depth)
			return -E2BIG;
		if (ret->len && buf_putc(ret, '/') < 0)
			return -E2BIG;
		if (ret->len + comp.len > limits->path_max_bytes)
			return -E2BIG;
		int r = buf_append_span(ret, comp);
		if (r < 0)
			return r == -ENOMEM ? r : -E2BIG;
	}
	if (ret->len > limits->path_max_bytes)
		return -E2BIG;
	return buf_reserve(ret, 0);
}

/* Detach the raw blob (owner -1) from a content list, for history. */
static struct img_blob *take_raw(struct img_blob **list)
{
	for (struct img_blob **p = list; *p; p = &(*p)->next)
		if ((*p)->owner == -1) {
			struct img_blob *b = *p;
			*p = b->next;
			b->next = NULL;
			return b;
		}
	return NULL;
}

/*
 * Put f (taken: its path/link/content move into the tree) at its path. Replacing keeps
 * a directory's children when both are directories. keep_history links the previous raw
 * content as ->prev of the new raw content.
 */
static int fs_put(struct img_fs *fs, struct img_file *f, int layer_no, bool keep_history,
		  bool reject_duplicate, struct bh_diag *diag, const char *layer_name)
{
	struct fs_node *dir;
	size_t name_off;
	int r = walk_parent(fs, f->path, layer_no, &dir, &name_off);
	if (r < 0)
		return r;
	size_t dlen = strlen(dir->file.path);
	if (dlen != (name_off ? name_off - 1 : 0) || memcmp(dir->file.path, f->path, dlen) != 0) {
		/* A parent was a symlink: the entry lives under the resolved directory. */
		struct buf p;
		buf_init(&p, fs->limits->path_max_bytes * 2 + 2);
		r = (dlen ? buf_puts(&p, dir->file.path) ?: buf_putc(&p, '/') : 0) ?:
		    buf_puts(&p, f->path + name_off);
		if (r < 0) {
			buf_done(&p);
			return r;
		}
		free(f->path);
		name_off = dlen ? dlen + 1 : 0;
		f->path = buf_take(&p);
		if (!f->path)
			return -ENOMEM;
	}
	const char *name = f->path + name_off;
	size_t nlen = strlen(name);
	struct fs_node *old = kid_find(dir, name, nlen);
	if (old && reject_duplicate && old->file.layer == layer_no && layer_no >= 0 &&
	    !(old->file.type == IMG_FT_DIR && f->type == IMG_FT_DIR)) {
		bh_diag_set(diag, layer_name, 0, 0, "duplicate entry '%s' in one layer", f->path);
		return -EBADMSG;
	}
	if (old && old->file.type == IMG_FT_DIR && f->type == IMG_FT_DIR) {
		old->file.mode = f->mode;
		old->file.uid = f->uid;
		old->file.gid = f->gid;
		old->file.mtime = f->mtime;
		old->file.layer = f->layer;
		img_file_done(f);
		return 0;
	}
	struct img_blob *hist = NULL;
	if (old) {
		if (keep_history)
			hist = take_raw(&old->file.content);
		kid_remove(fs, dir, old);
	}
	r = count_node(fs);
	if (r < 0) {
		img_blob_free_list(hist);
		return r;
	}
	struct fs_node *n = calloc(1, sizeof(*n));
	if (!n) {
		img_blob_free_list(hist);
		return -ENOMEM;
	}
	n->file = *f;
	*f = (struct img_file){ 0 };
	n->name = n->file.path + name_off;
	n->name_len = nlen;
	n->name_prefix = name_prefix_of(n->name, nlen);
	if (hist) {
		struct img_blob *raw = NULL;
		for (struct img_blob *b = n->file.content; b; b = b->next)
			if (b->owner == -1)
				raw = b;
		if (raw)
			raw->prev = hist;
		else
			img_blob_free_list(hist);
	}
	r = kid_insert(dir, n);
	if (r < 0) {
		node_free(fs, n);
		return r;
	}
	return 0;
}

int img_fs_add_take(struct img_fs *fs, struct img_file *f_take)
{
	int r = fs_put(fs, f_take, f_take->layer, false, false, NULL, NULL);
	img_file_done(f_take);
	return r;
}

int img_fs_apply_layer(struct img_fs *fs, struct img_layer_index *idx, int layer_no,
		       const char *layer_name, struct bh_diag *reterr_diag)
{
	/* Pass 1: whiteouts and opaque markers hide what lower layers put there. */
	for (size_t i = 0; i < idx->n; i++) {
		struct img_layer_entry *e = &idx->entries[i];
		if (e->kind == IMG_ENTRY_FILE)
			continue;
		struct fs_node *n = node_lookup(fs, e->file.path);
		if (!n)
			continue;
		if (e->kind == IMG_ENTRY_OPAQUE) {
			if (n->file.type == IMG_FT_DIR)
				kids_clear(fs, n);
		} else if (n != &fs->root)
			kid_remove(fs, n->parent, n);
	}
	/* Pass 2: entries in tar order; later ones replace earlier ones. */
	for (size_t i = 0; i < idx->n; i++) {
		struct img_layer_entry *e = &idx->entries[i];
		if (e->kind != IMG_ENTRY_FILE)
			continue;
		e->file.layer = layer_no;
		if (e->file.type == IMG_FT_HARDLINK) {
			struct fs_node *t = node_lookup(fs, e->file.link ? e->file.link : "");
			if (!t || t == &fs->root || t->file.type == IMG_FT_DIR) {
				bh_diag_set(reterr_diag, layer_name, 0, 0,
					    "hard link '%s' points to '%s', which is %s", e->file.path,
					    e->file.link ? e->file.link : "",
					    t && t != &fs->root ? "a directory" : "not in the image");
				return -EBADMSG;
			}
			free(e->file.link);
			e->file.link = NULL;
			if (t->file.link) {
				e->file.link = strdup(t->file.link);
				if (!e->file.link)
					return -ENOMEM;
			}
			e->file.type = t->file.type;
			e->file.mode = t->file.mode;
			e->file.size = t->file.size;
			if (!e->file.content && (e->want & IMG_WANT_CONTENT) && t->file.content) {
				int r = img_blob_copy_list(t->file.content, &e->file.content);
				if (r < 0)
					return r;
			}
		}
		int r = fs_put(fs, &e->file, layer_no, e->want & IMG_WANT_HISTORY, true, reterr_diag,
			       layer_name);
		if (r < 0) {
			if (r == -E2BIG && !reterr_diag->message[0])
				bh_diag_set(reterr_diag, layer_name, 0, 0,
					    "more than %llu files in the image (max-entries)",
					    (unsigned long long)fs->limits->max_entries);
			return r;
		}
	}
	return 0;
}

/*
 * A child to sort by name: its name_prefix first, so that most comparisons touch neither
 * the node nor its name; equal prefixes fall back to strcmp().
 */
struct kid_key {
	uint64_t prefix;
	struct fs_node *node;
};

static int kid_key_cmp(const void *a, const void *b)
{
	const struct kid_key *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return strcmp(x->node->name, y->node->name);
}

int img_fs_finalize(struct img_fs *fs)
{
	free(fs->order);
	fs->order = NULL;
	fs->n_order = 0;
	free(fs->with_content);
	fs->with_content = NULL;
	fs->n_with_content = 0;
	size_t cap = fs->n_nodes + 1;
	fs->order = calloc(cap, sizeof(*fs->order));
	/* Explicit stack of (node, next index into its sorted children). */
	struct frame {
		struct kid_key *kids;
		uint32_t n, i;
	};
	struct frame *stack = NULL;
	size_t depth = 0, scap = 0;
	int r = 0;
	if (!fs->order)
		return -ENOMEM;
	struct fs_node *cur = &fs->root;
	for (;;) {
		if (cur) {
			if (cur != &fs->root) {
				if (fs->n_order >= cap) {
					r = -EBADMSG; /* counts disagree: a bug, never input */
					break;
				}
				fs->order[fs->n_order++] = &cur->file;
			}
			struct frame fr = { 0 };
			if (cur->n_kids) {
				fr.kids = malloc(cur->n_kids * sizeof(*fr.kids));
				if (!fr.kids) {
					r = -ENOMEM;
					break;
				}
				for (uint32_t i = 0; i < cur->cap_kids; i++)
					if (cur->kids[i] && cur->kids[i] != TOMB)
						fr.kids[fr.n++] = (struct kid_key){
							cur->kids[i]->name_prefix, cur->kids[i]
						};
				qsort(fr.kids, fr.n, sizeof(*fr.kids), kid_key_cmp);
			}
			if (GROW(stack, depth, scap) < 0) {
				free(fr.kids);
				r = -ENOMEM;
				break;
			}
			stack[depth++] = fr;
			cur = NULL;
		}
		if (!depth)
			break;
		struct frame *top = &stack[depth - 1];
		if (top->i < top->n) {
			cur = top->kids[top->i++].node;
			continue;
		}
		free(top->kids);
		depth--;
	}
	for (size_t i = 0; i < depth; i++)
		free(stack[i].kids);
	free(stack);
	if (r < 0)
		return r;
	/* Most files have nothing captured: let catalogers walk only those that do. */
	size_t n_content = 0;
	for (size_t i = 0; i < fs->n_order; i++)
		if (fs->order[i]->type == IMG_FT_REG && fs->order[i]->content)
			n_content++;
	fs->with_content = calloc(n_content ? n_content : 1, sizeof(*fs->with_content));
	if (!fs->with_content)
		return -ENOMEM;
	for (size_t i = 0; i < fs->n_order; i++)
		if (fs->order[i]->type == IMG_FT_REG && fs->order[i]->content)
			fs->with_content[fs->n_with_content++] = i;
	return 0;
}

size_t img_fs_count(const struct img_fs *fs)
{
	return fs->n_order;
}

const struct img_file *img_fs_at(const struct img_fs *fs, size_t i)
{
	return i < fs->n_order ? fs->order[i] : NULL;
}

struct span img_fs_path_at(const struct img_fs *fs, size_t i)
{
	if (i >= fs->n_order)
		return SPAN_NULL;
	/* img_file is the first member of fs_node; name is the tail of file.path. */
	const struct fs_node *n = (const struct fs_node *)(uintptr_t)fs->order[i];
	return span_make(n->file.path, (size_t)(n->name - n->file.path) + n->name_len);
}

size_t img_fs_content_count(const struct img_fs *fs)
{
	return fs->n_with_content;
}

size_t img_fs_content_at(const struct img_fs *fs, size_t k)
{
	return k < fs->n_with_content ? fs->with_content[k] : SIZE_MAX;
}
