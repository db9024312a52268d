// SPDX-License-Identifier: GPL-2.0
/*
 * Changes to measured files, recorded as violations (trust rule 1).
 *
 * Each measured inode gets an fsnotify mark of vinfer's own group.  The mark
 * reports writes and truncates (FS_MODIFY) and the close of a file that was
 * open for writing (FS_CLOSE_WRITE), in the context of the task responsible,
 * which the violation record names.  Writes through a shared writable mapping
 * produce no event; they are caught when the log is sealed, by a scan that
 * compares each watched inode's change cookie (i_version, ctime, size) with
 * the one taken when it was measured and checks for open writers.
 *
 * The first violation of a measurement is recorded; further changes are not,
 * until the file is measured again.  Deleting the file or unmounting its
 * filesystem removes the mark (fsnotify does that), and the file is no
 * longer watched.
 *
 * References: a watch's mark holds the reference vinfer took when it created
 * it for as long as the watch is on vinfer_watches; fsnotify calls
 * vinfer_watch_freeing() exactly once when the mark is destroyed (file
 * deleted, unmount, module exit), which takes it off the list and drops that
 * reference.  While a mark is attached (checked under the group lock) the
 * inode it watches is pinned by fsnotify, so the seal scan may read it.
 *
 * vinfer_watch_lock (a spinlock: the event handler runs in the writer's
 * context and must stay short) protects the list and every watch's fields.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fsnotify_backend.h>
#include <linux/kdev_t.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "vinfer.h"

#define VINFER_WATCH_MASK	(FS_MODIFY | FS_CLOSE_WRITE)
#define VINFER_SEQ_NONE		U64_MAX

struct vinfer_watch {
	struct fsnotify_mark mark;
	struct list_head node;		/* on vinfer_watches */
	struct inode *inode;		/* valid while the mark is attached */
	u64 seq;			/* measurement; VINFER_SEQ_NONE before the first */
	struct vinfer_cookie cookie;	/* when it was measured */
	unsigned int measuring;		/* measurements in progress */
	u32 pending;			/* reasons seen while measuring */
	bool violated;			/* of measurement seq, recorded */
	char *path;
};

/* A violation seen in a writer's context, recorded later from a worker. */
struct vinfer_violation_item {
	struct list_head node;
	u32 reason;
	u64 seq;
	u64 dev;
	u64 ino;
	u64 size;
	struct vinfer_attr attr;
	char path[];
};

static struct fsnotify_group *vinfer_group;
static DEFINE_SPINLOCK(vinfer_watch_lock);
static LIST_HEAD(vinfer_watches);
static u64 vinfer_nr_watches;
static LIST_HEAD(vinfer_violation_queue);

static void vinfer_violation_work_fn(struct work_struct *work);
static DECLARE_WORK(vinfer_violation_work, vinfer_violation_work_fn);

static struct vinfer_watch *to_watch(struct fsnotify_mark *mark)
{
	return container_of(mark, struct vinfer_watch, mark);
}

void vinfer_violation(u32 reason, u64 measured_seq, struct inode *inode,
		      const char *path, const struct vinfer_attr *attr, u32 *out_flags)
{
	struct vinfer_rec_violation rec = {
		.reason = cpu_to_le32(reason),
		.path_len = cpu_to_le32(strlen(path)),
		.measured_seq = cpu_to_le64(measured_seq),
		.dev = cpu_to_le64(new_encode_dev(inode->i_sb->s_dev)),
		.ino = cpu_to_le64(inode->i_ino),
		.size = cpu_to_le64(i_size_read(inode)),
	};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_VIOLATION,
		.source = VINFER_SRC_KERNEL,
		.attr = attr,
		.payload = &rec,
		.payload_len = sizeof(rec),
		.tail = path,
		.tail_len = strlen(path),
	};
	int err;

	err = vinfer_log_append_reserved(&desc, NULL);
	vinfer_log_count_violation(err);
	if (err)
		pr_err_ratelimited("violation %u of record %llu lost: %d\n",
				   reason, measured_seq, err);
	if (out_flags)
		*out_flags |= VINFER_MEASURE_VIOLATION;
}

/* Queue a violation of @w; called with vinfer_watch_lock held. */
static void vinfer_queue_violation(struct vinfer_watch *w, u32 reason,
				   struct vinfer_violation_item *item)
{
	lockdep_assert_held(&vinfer_watch_lock);
	w->violated = true;
	item->reason = reason;
	item->seq = w->seq;
	item->dev = new_encode_dev(w->inode->i_sb->s_dev);
	item->ino = w->inode->i_ino;
	item->size = i_size_read(w->inode);
	strcpy(item->path, w->path);
	list_add_tail(&item->node, &vinfer_violation_queue);
}

static struct vinfer_violation_item *vinfer_item_alloc(const struct vinfer_watch *w,
						       gfp_t gfp)
{
	struct vinfer_violation_item *item;

	return kmalloc(struct_size(item, path, strlen(w->path) + 1), gfp);
}

static u32 vinfer_change_reason(const struct vinfer_watch *w)
{
	return i_size_read(w->inode) < w->cookie.size ? VINFER_VIOL_TRUNCATED :
							VINFER_VIOL_MODIFIED;
}

static int vinfer_watch_event(struct fsnotify_mark *mark, u32 mask,
			      struct inode *inode, struct inode *dir,
			      const struct qstr *name, u32 cookie)
{
	struct vinfer_watch *w = to_watch(mark);
	struct vinfer_violation_item *item;
	u32 reason;

	/* The path is immutable once the watch exists; allocate unlocked. */
	item = vinfer_item_alloc(w, GFP_NOFS);
	spin_lock(&vinfer_watch_lock);
	reason = mask & FS_MODIFY ? vinfer_change_reason(w) : VINFER_VIOL_OPEN_WRITERS;
	/* A measurement in progress: vinfer_watch_commit() records it. */
	if (w->measuring)
		w->pending |= BIT(reason);
	if (w->violated || w->seq == VINFER_SEQ_NONE) {
		spin_unlock(&vinfer_watch_lock);
		kfree(item);
		return 0;
	}
	if (!item) {
		w->violated = true;
		spin_unlock(&vinfer_watch_lock);
		vinfer_log_count_violation(true);
		return 0;
	}
	vinfer_attr_current(&item->attr);
	vinfer_queue_violation(w, reason, item);
	spin_unlock(&vinfer_watch_lock);
	schedule_work(&vinfer_violation_work);
	return 0;
}

static void vinfer_record_item(struct vinfer_violation_item *item)
{
	struct vinfer_rec_violation rec = {
		.reason = cpu_to_le32(item->reason),
		.path_len = cpu_to_le32(strlen(item->path)),
		.measured_seq = cpu_to_le64(item->seq),
		.dev = cpu_to_le64(item->dev),
		.ino = cpu_to_le64(item->ino),
		.size = cpu_to_le64(item->size),
	};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_VIOLATION,
		.source = VINFER_SRC_KERNEL,
		.attr = &item->attr,
		.payload = &rec,
		.payload_len = sizeof(rec),
		.tail = item->path,
		.tail_len = strlen(item->path),
	};
	int err;

	err = vinfer_log_append_reserved(&desc, NULL);
	vinfer_log_count_violation(err);
	if (err)
		pr_err_ratelimited("violation of record %llu lost: %d\n", item->seq, err);
}

static void vinfer_violation_work_fn(struct work_struct *work)
{
	struct vinfer_violation_item *item, *tmp;
	LIST_HEAD(batch);

	spin_lock(&vinfer_watch_lock);
	list_splice_init(&vinfer_violation_queue, &batch);
	spin_unlock(&vinfer_watch_lock);
	list_for_each_entry_safe(item, tmp, &batch, node) {
		vinfer_record_item(item);
		kfree(item);
	}
}

/*
 * Record what events cannot report: open writers and changes made through
 * shared mappings, by comparing every watched inode with its measurement.
 * Then record everything queued, so that a seal that follows covers it.
 */
void vinfer_watch_sync(void)
{
	struct vinfer_attr self;
	struct vinfer_watch *w;
	bool lost = false;

	vinfer_attr_current(&self);
	fsnotify_group_lock(vinfer_group);
	spin_lock(&vinfer_watch_lock);
	list_for_each_entry(w, &vinfer_watches, node) {
		struct vinfer_violation_item *item;
		struct vinfer_cookie now;
		u32 reason = 0;

		if (w->violated || w->seq == VINFER_SEQ_NONE ||
		    !(READ_ONCE(w->mark.flags) & FSNOTIFY_MARK_FLAG_ATTACHED))
			continue;
		vinfer_cookie_read(w->inode, &now);
		if (!vinfer_cookie_equal(&now, &w->cookie))
			reason = vinfer_change_reason(w);
		else if (atomic_read(&w->inode->i_writecount) > 0)
			reason = VINFER_VIOL_OPEN_WRITERS;
		if (!reason)
			continue;
		item = vinfer_item_alloc(w, GFP_ATOMIC);
		if (!item) {
			w->violated = true;
			lost = true;
			continue;
		}
		item->attr = self;
		vinfer_queue_violation(w, reason, item);
	}
	spin_unlock(&vinfer_watch_lock);
	fsnotify_group_unlock(vinfer_group);
	if (lost)
		vinfer_log_count_violation(true);
	flush_work(&vinfer_violation_work);
	vinfer_violation_work_fn(NULL);
}

/*
 * Start watching the file about to be measured.  Returns the watch with a
 * reference the caller gives back through commit or abort.
 */
struct vinfer_watch *vinfer_watch_begin(struct file *file, const char *path)
{
	struct inode *inode = file_inode(file);
	struct fsnotify_mark *mark;
	struct vinfer_watch *w;
	int err;

	mark = fsnotify_find_mark(&inode->i_fsnotify_marks, vinfer_group);
	if (mark) {
		w = to_watch(mark);
		spin_lock(&vinfer_watch_lock);
		if (!w->measuring++)
			w->pending = 0;
		spin_unlock(&vinfer_watch_lock);
		return w;
	}
	if (READ_ONCE(vinfer_nr_watches) >= vinfer_max_watches)
		return ERR_PTR(-ENOSPC);

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->path = kstrdup(path, GFP_KERNEL);
	if (!w->path) {
		kfree(w);
		return ERR_PTR(-ENOMEM);
	}
	w->inode = inode;
	w->seq = VINFER_SEQ_NONE;
	w->measuring = 1;
	INIT_LIST_HEAD(&w->node);
	fsnotify_init_mark(&w->mark, vinfer_group);
	w->mark.mask = VINFER_WATCH_MASK;

	/* Listed before attaching, so freeing_mark always finds it listed. */
	spin_lock(&vinfer_watch_lock);
	list_add_tail(&w->node, &vinfer_watches);
	vinfer_nr_watches++;
	spin_unlock(&vinfer_watch_lock);

	err = fsnotify_add_inode_mark(&w->mark, inode, 0);
	if (err) {
		/* Not attached: freeing_mark will not run; undo by hand. */
		spin_lock(&vinfer_watch_lock);
		list_del_init(&w->node);
		vinfer_nr_watches--;
		spin_unlock(&vinfer_watch_lock);
		fsnotify_put_mark(&w->mark);
		if (err == -EEXIST)	/* raced with another measurement */
			return vinfer_watch_begin(file, path);
		return ERR_PTR(err);
	}
	/* The caller's reference; the creation reference stays with the list. */
	refcount_inc(&w->mark.refcnt);
	return w;
}

void vinfer_watch_commit(struct vinfer_watch *w, u64 seq,
			 const struct vinfer_cookie *cookie, u32 *out_flags)
{
	struct vinfer_attr self;
	u32 pending, reason;

	spin_lock(&vinfer_watch_lock);
	w->measuring--;
	w->seq = seq;
	w->cookie = *cookie;
	pending = w->pending;
	w->pending = 0;
	w->violated = pending;
	spin_unlock(&vinfer_watch_lock);

	if (pending) {
		vinfer_attr_current(&self);
		for (reason = VINFER_VIOL_OPEN_WRITERS; reason <= VINFER_VIOL_TRUNCATED; reason++)
			if (pending & BIT(reason))
				vinfer_violation(reason, seq, w->inode, w->path,
						 &self, out_flags);
	}
	fsnotify_put_mark(&w->mark);
}

/* The measurement failed: a watch that never had one is removed again. */
void vinfer_watch_abort(struct vinfer_watch *w)
{
	bool unused;

	spin_lock(&vinfer_watch_lock);
	unused = !--w->measuring && w->seq == VINFER_SEQ_NONE;
	spin_unlock(&vinfer_watch_lock);
	if (unused)
		fsnotify_destroy_mark(&w->mark, vinfer_group);
	fsnotify_put_mark(&w->mark);
}

u64 vinfer_watch_count(void)
{
	return READ_ONCE(vinfer_nr_watches);
}

static void vinfer_watch_freeing(struct fsnotify_mark *mark,
				 struct fsnotify_group *group)
{
	struct vinfer_watch *w = to_watch(mark);

	spin_lock(&vinfer_watch_lock);
	if (!list_empty(&w->node)) {
		list_del_init(&w->node);
		vinfer_nr_watches--;
	}
	spin_unlock(&vinfer_watch_lock);
	fsnotify_put_mark(mark);	/* the creation reference */
}

static void vinfer_watch_free(struct fsnotify_mark *mark)
{
	struct vinfer_watch *w = to_watch(mark);

	kfree(w->path);
	kfree(w);
}

static const struct fsnotify_ops vinfer_fsnotify_ops = {
	.handle_inode_event = vinfer_watch_event,
	.freeing_mark = vinfer_watch_freeing,
	.free_mark = vinfer_watch_free,
};

int vinfer_watch_init(void)
{
	vinfer_group = fsnotify_alloc_group(&vinfer_fsnotify_ops, FSNOTIFY_GROUP_NOFS);
	if (IS_ERR(vinfer_group))
		return PTR_ERR(vinfer_group);
	return 0;
}

void vinfer_watch_exit(void)
{
	struct vinfer_watch *w;

	for (;;) {
		spin_lock(&vinfer_watch_lock);
		w = list_first_entry_or_null(&vinfer_watches, struct vinfer_watch, node);
		if (w)
			refcount_inc(&w->mark.refcnt);	/* outlive freeing_mark's put */
		spin_unlock(&vinfer_watch_lock);
		if (!w)
			break;
		fsnotify_destroy_mark(&w->mark, vinfer_group);
		fsnotify_put_mark(&w->mark);
	}
	flush_work(&vinfer_violation_work);
	vinfer_violation_work_fn(NULL);
	fsnotify_put_group(vinfer_group);
	fsnotify_wait_marks_destroyed();
}
