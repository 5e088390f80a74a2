/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the kernel-side files of ixdp.ko, grouped by the
 * file that implements them.
 */
#ifndef _IXDP_H
#define _IXDP_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/ixdp.h>

struct netlink_ext_ack;

#ifndef IXDP_VERSION
#define IXDP_VERSION "unknown"
#endif

/* Everything this build of the module offers, as IXDP_FEAT_* bits. */
#define IXDP_FEATURES	(IXDP_FEAT_RUN | IXDP_FEAT_RECV_ACKED | \
			 IXDP_FEAT_SEND_DONE | IXDP_FEAT_RX_CHUNKS | \
			 IXDP_FEAT_HANDOFF | IXDP_FEAT_MOVE)

/* config.c APIs: */
struct ixdp_config {
	u32 batch;	/* dataplane batch bound B */
	u32 poll_us;	/* busy-poll budget of an idle core before it sleeps */
	/*
	 * How long an inline application may stay out of IXDP_IOC_RUN
	 * before the core's kthread takes its loop back.
	 */
	u32 run_grace_us;
};

#define IXDP_CFG_BATCH		BIT(0)
#define IXDP_CFG_POLL_US	BIT(1)
#define IXDP_CFG_RUN_GRACE_US	BIT(2)

/*
 * Connection slots of each core made from now on (module parameter
 * max_conns): a slot costs about 80 bytes of tables whether used or not,
 * a connection its control block (about 1.6 KiB) only while it exists.
 */
#define IXDP_MAX_CONNS_DEFAULT	65536
#define IXDP_MAX_CONNS_MIN	64
#define IXDP_MAX_CONNS_MAX	BIT(22)

void ixdp_config_get(struct ixdp_config *cfg);
u32 ixdp_config_max_conns(void);
int ixdp_config_update(u32 mask, const struct ixdp_config *vals,
		       struct ixdp_config *out, struct netlink_ext_ack *extack);

/* app.c APIs: */
struct ixdp_app;
struct vm_area_struct;
struct file;
struct poll_table_struct;
struct ixdp_app *ixdp_app_create(void);
/* Told when a context attaches or detaches (the netlink layer announces). */
typedef void (*ixdp_app_note_fn)(u8 cmd, const struct ixdp_app *app);

void ixdp_app_destroy(struct ixdp_app *app, ixdp_app_note_fn note);
long ixdp_app_attach(struct ixdp_app *app, void __user *argp,
		     ixdp_app_note_fn note);
long ixdp_app_wake(struct ixdp_app *app, unsigned long arg);
long ixdp_app_run(struct ixdp_app *app, void __user *argp);
__poll_t ixdp_app_poll(struct ixdp_app *app, struct file *file,
		       struct poll_table_struct *wait);
int ixdp_app_mmap(struct ixdp_app *app, struct vm_area_struct *vma);

/* chardev.c APIs: */
int ixdp_chardev_init(void);
void ixdp_chardev_uninit(void);

/* netlink.c APIs: */
struct sk_buff;
struct nlattr;
struct genl_info;
extern struct genl_family ixdp_genl_family;
int ixdp_netlink_init(void);
void ixdp_netlink_uninit(void);
int ixdp_nl_parse(struct genl_info *info, int type, struct nlattr **tb,
		  unsigned int max);
int ixdp_nl_need(struct genl_info *info, const struct nlattr *nest,
		 struct nlattr **tb, unsigned int type);

/* genl_ops.internal_flags: what pre_doit prepares (netlink.c). */
#define IXDP_NL_F_CTL	BIT(0)	/* ixdp_ctl_lock() held */
#define IXDP_NL_F_READ	BIT(1)	/* ixdp_core_lock held */
#define IXDP_NL_F_PORT	BIT(2)	/* info->user_ptr[0]: the port */
void ixdp_nl_announce(u8 cmd, int (*fill)(struct sk_buff *, const void *),
		      const void *arg);

/* netlink_dp.c APIs: */
struct netlink_callback;
int ixdp_nl_port_add(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_port_del(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_port_get(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_core_add(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_core_del(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_core_dump(struct sk_buff *skb, struct netlink_callback *cb);
int ixdp_nl_responder_set(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_fg_dump(struct sk_buff *skb, struct netlink_callback *cb);
int ixdp_nl_app_dump(struct sk_buff *skb, struct netlink_callback *cb);
int ixdp_nl_queue_dump(struct sk_buff *skb, struct netlink_callback *cb);
int ixdp_nl_stats_get(struct sk_buff *skb, struct genl_info *info);
void ixdp_nl_announce_app(u8 cmd, const struct ixdp_app *app);

/* netlink_move.c APIs: */
struct ixdp_move_stats;
int ixdp_nl_put_move(struct sk_buff *msg, const struct ixdp_move_stats *st);
void ixdp_nl_announce_move(u32 from, u32 to, s32 fg,
			   const struct ixdp_move_stats *st);
int ixdp_nl_fg_move(struct sk_buff *skb, struct genl_info *info);
int ixdp_nl_core_set(struct sk_buff *skb, struct genl_info *info);

#endif /* _IXDP_H */
