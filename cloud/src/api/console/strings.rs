//! The console's words in English and Chinese. `{n}`, `{min}`, `{id}`,
//! `{name}` and `{when}` are filled in where they are used.

use crate::api::cast_page::strings::Lang;

/// The text for `key` in `lang` (the key itself if missing: a test keeps
/// the tables in step).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    let table = match lang {
        Lang::En => EN,
        Lang::ZhCn => ZH_CN,
    };
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, text)| text)
}

const EN: &[(&str, &str)] = &[
    ("language", "Language"),
    ("sections", "Console sections"),
    ("rooms", "Rooms"),
    ("meetings", "Meetings"),
    ("sip_accounts", "SIP accounts"),
    ("password", "Password"),
    ("role_admin", "enterprise admin"),
    ("role_user", "user"),
    ("sign_out", "Sign out"),
    ("just_now", "just now"),
    ("minutes_ago", "{n} min ago"),
    ("hours_ago", "{n} h ago"),
    ("days_ago", "{n} d ago"),
    ("sign_in_title", "Sign in to roomcloud"),
    (
        "sign_in_lead",
        "Manage your rooms and meetings. Sign in with your console account.",
    ),
    ("username", "User name"),
    ("password_label", "Password"),
    ("sign_in", "Sign in"),
    (
        "cross_site",
        "This form did not come from the console. Reload the page and try again.",
    ),
    ("wrong_password", "Wrong user name or password."),
    (
        "locked_out",
        "Too many wrong passwords: this account is locked. Try again in {min} min.",
    ),
    ("current_password", "Current password"),
    ("new_password", "New password"),
    (
        "password_rule",
        "At least 8 characters, with three of: upper case, lower case, digits, symbols.",
    ),
    ("repeat_password", "New password again"),
    ("change_password", "Change password"),
    ("passwords_differ", "The two new passwords differ."),
    (
        "password_changed",
        "Password changed. Your other sessions were signed out.",
    ),
    ("current_wrong", "The current password is wrong."),
    ("room_renamed", "Room renamed; it shows the new name now."),
    ("room_removed", "Room removed. Its SN may be added again."),
    (
        "room_added",
        "Room added. Enter this code on the room's screen to activate it.",
    ),
    (
        "code_reset",
        "New activation code issued; the old one no longer works.",
    ),
    ("not_done", "Not done:"),
    ("in_meeting", "in meeting {id}"),
    ("casting", "{name} is casting"),
    ("idle", "idle"),
    ("online", "online"),
    ("offline", "offline"),
    ("registered", "registered"),
    ("not_registered", "not registered"),
    ("activation_code_for", "Activation code for {name}"),
    ("code_once", "Shown only now: write it down or scan it."),
    ("code_valid_until", "Valid until {when}."),
    (
        "qr_caption",
        "Scan with a phone to carry the code to the room.",
    ),
    ("manage", "Manage"),
    ("new_name", "Name"),
    ("rename", "Rename"),
    ("new_code", "New activation code"),
    ("remove_confirm", "I am sure"),
    ("remove", "Remove"),
    ("add_room", "Add a room"),
    ("sn", "Serial number (SN)"),
    ("room_name", "Name"),
    ("room_name_hint", "e.g. Boardroom 3F"),
    ("add", "Add"),
    ("no_rooms", "No rooms yet."),
    ("room", "Room"),
    ("number", "Number"),
    ("activation", "Activation"),
    ("channel", "Cloud link"),
    ("sip", "SIP"),
    ("activity", "Now"),
    ("update", "Update"),
    ("last_seen", "Last seen"),
    ("data_free", "Data free"),
    ("version", "Version"),
    ("active", "activated"),
    ("pending", "waiting for its code"),
    (
        "meeting_cancelled",
        "Meeting cancelled. Its rooms were told; anyone in it was ended.",
    ),
    ("bad_start", "Give the start as a date and time."),
    ("bad_duration", "Give the duration in minutes."),
    ("bad_party_limit", "Give the party limit as a number."),
    (
        "meeting_scheduled",
        "Meeting scheduled. Its rooms show it on their Home page.",
    ),
    ("meeting_id", "Meeting ID"),
    ("dial", "Dial"),
    ("host_password", "Host password"),
    ("password_once", "Shown only now: pass it to the host."),
    ("schedule_meeting", "Schedule a meeting"),
    ("subject", "Subject"),
    ("start", "Start"),
    ("duration_mins", "Duration (minutes)"),
    ("repeat", "Repeat"),
    ("repeat_none", "Once"),
    ("repeat_daily", "Daily"),
    ("repeat_weekly", "Weekly"),
    ("repeat_monthly", "Monthly"),
    ("party_limit", "Party limit"),
    ("generated", "generated"),
    ("guest_password", "Guest password"),
    ("none", "none"),
    ("join_before_host", "Guests may join before the host"),
    ("invite_rooms", "Invite rooms (they ring at the start)"),
    ("invite_sip", "Invite SIP addresses, one per line"),
    ("schedule", "Schedule"),
    ("state_live", "in progress"),
    ("state_cancelled", "cancelled"),
    ("state_ended", "ended"),
    ("state_scheduled", "scheduled"),
    ("minutes", "{n} min"),
    ("control", "Control"),
    ("cancel_meeting", "Cancel"),
    ("no_meetings", "No meetings in the next 31 days."),
    ("next_start", "Next start"),
    ("duration", "Duration"),
    ("invitees", "Invited"),
    ("state", "State"),
    ("sip_removed", "SIP account removed."),
    (
        "sip_added",
        "SIP account added. Its endpoint may register now.",
    ),
    ("sip_password", "Password"),
    ("add_sip", "Add a SIP account"),
    ("sip_username", "User name (number)"),
    ("display_name", "Display name"),
    (
        "sip_lead",
        "For desk phones and other SIP endpoints; rooms have their own accounts.",
    ),
    ("no_sip", "No SIP accounts yet."),
    ("digest", "Digest"),
    (
        "update_offered",
        "Update offered: the room installs it when no call is on.",
    ),
    ("update_withdrawn", "Update offer withdrawn."),
    ("withdraw_update", "Withdraw the update"),
    (
        "no_bundles",
        "No update bundles: put .raucb files in the cloud's updates folder.",
    ),
    ("bundle", "Bundle"),
    ("bundle_version", "Its version"),
    ("offer_update", "Offer update"),
    ("accounts", "Accounts"),
    (
        "account_added",
        "Account added. Pass on its first password; it can change it on its Password page.",
    ),
    ("account_removed", "Account removed; its sessions ended."),
    ("not_yourself", "You cannot remove your own account."),
    ("first_password", "First password"),
    (
        "first_password_hint",
        "Shown only now: pass it on in person or by a trusted channel.",
    ),
    ("add_account", "Add someone"),
    ("role", "Role"),
    ("since", "Since"),
];

const ZH_CN: &[(&str, &str)] = &[
    ("language", "语言"),
    ("sections", "控制台栏目"),
    ("rooms", "会议室终端"),
    ("meetings", "会议"),
    ("sip_accounts", "SIP 账号"),
    ("password", "密码"),
    ("role_admin", "企业管理员"),
    ("role_user", "普通用户"),
    ("sign_out", "退出登录"),
    ("just_now", "刚刚"),
    ("minutes_ago", "{n} 分钟前"),
    ("hours_ago", "{n} 小时前"),
    ("days_ago", "{n} 天前"),
    ("sign_in_title", "登录 roomcloud"),
    ("sign_in_lead", "管理会议室终端和会议。请用控制台账号登录。"),
    ("username", "用户名"),
    ("password_label", "密码"),
    ("sign_in", "登录"),
    ("cross_site", "此表单不是来自控制台。请刷新页面后重试。"),
    ("wrong_password", "用户名或密码错误。"),
    (
        "locked_out",
        "密码错误次数过多，账号已锁定。请 {min} 分钟后重试。",
    ),
    ("current_password", "当前密码"),
    ("new_password", "新密码"),
    (
        "password_rule",
        "至少 8 位，包含大写字母、小写字母、数字、符号中的三种。",
    ),
    ("repeat_password", "再次输入新密码"),
    ("change_password", "修改密码"),
    ("passwords_differ", "两次输入的新密码不一致。"),
    ("password_changed", "密码已修改，其他登录会话已退出。"),
    ("current_wrong", "当前密码错误。"),
    ("room_renamed", "已重命名，终端即刻显示新名称。"),
    ("room_removed", "终端已移除，其 SN 可重新添加。"),
    (
        "room_added",
        "终端已添加。请在会议室屏幕上输入此激活码完成激活。",
    ),
    ("code_reset", "已生成新激活码，旧激活码失效。"),
    ("not_done", "未完成："),
    ("in_meeting", "会议 {id} 中"),
    ("casting", "{name} 正在投屏"),
    ("idle", "空闲"),
    ("online", "在线"),
    ("offline", "离线"),
    ("registered", "已注册"),
    ("not_registered", "未注册"),
    ("activation_code_for", "{name} 的激活码"),
    ("code_once", "仅显示这一次：请记下或扫码。"),
    ("code_valid_until", "有效期至 {when}。"),
    ("qr_caption", "用手机扫码，把激活码带到会议室。"),
    ("manage", "管理"),
    ("new_name", "名称"),
    ("rename", "重命名"),
    ("new_code", "重新生成激活码"),
    ("remove_confirm", "确认"),
    ("remove", "移除"),
    ("add_room", "添加终端"),
    ("sn", "序列号（SN）"),
    ("room_name", "名称"),
    ("room_name_hint", "例如：3 楼大会议室"),
    ("add", "添加"),
    ("no_rooms", "还没有终端。"),
    ("room", "会议室"),
    ("number", "号码"),
    ("activation", "激活"),
    ("channel", "云端连接"),
    ("sip", "SIP"),
    ("activity", "当前"),
    ("update", "升级"),
    ("last_seen", "最近在线"),
    ("data_free", "可用空间"),
    ("version", "版本"),
    ("active", "已激活"),
    ("pending", "等待激活"),
    (
        "meeting_cancelled",
        "会议已取消，已通知相关终端，进行中的会议已结束。",
    ),
    ("bad_start", "请填写开始日期和时间。"),
    ("bad_duration", "时长请填写分钟数。"),
    ("bad_party_limit", "方数上限请填写数字。"),
    ("meeting_scheduled", "会议已预约，受邀终端的主页会显示它。"),
    ("meeting_id", "会议号"),
    ("dial", "呼叫地址"),
    ("host_password", "主持人密码"),
    ("password_once", "仅显示这一次：请转告主持人。"),
    ("schedule_meeting", "预约会议"),
    ("subject", "主题"),
    ("start", "开始时间"),
    ("duration_mins", "时长（分钟）"),
    ("repeat", "重复"),
    ("repeat_none", "不重复"),
    ("repeat_daily", "每天"),
    ("repeat_weekly", "每周"),
    ("repeat_monthly", "每月"),
    ("party_limit", "方数上限"),
    ("generated", "自动生成"),
    ("guest_password", "来宾密码"),
    ("none", "无"),
    ("join_before_host", "允许来宾先于主持人入会"),
    ("invite_rooms", "邀请会议室（开始时自动呼叫）"),
    ("invite_sip", "邀请 SIP 地址，每行一个"),
    ("schedule", "预约"),
    ("state_live", "进行中"),
    ("state_cancelled", "已取消"),
    ("state_ended", "已结束"),
    ("state_scheduled", "已预约"),
    ("minutes", "{n} 分钟"),
    ("control", "会控"),
    ("cancel_meeting", "取消"),
    ("no_meetings", "未来 31 天没有会议。"),
    ("next_start", "下次开始"),
    ("duration", "时长"),
    ("invitees", "受邀"),
    ("state", "状态"),
    ("sip_removed", "SIP 账号已移除。"),
    ("sip_added", "SIP 账号已添加，终端现在可以注册。"),
    ("sip_password", "密码"),
    ("add_sip", "添加 SIP 账号"),
    ("sip_username", "用户名（号码）"),
    ("display_name", "显示名称"),
    (
        "sip_lead",
        "用于桌面话机等 SIP 终端；会议室终端有自己的账号。",
    ),
    ("no_sip", "还没有 SIP 账号。"),
    ("digest", "摘要算法"),
    ("update_offered", "已推送升级：终端会在没有通话时安装。"),
    ("update_withdrawn", "已撤回升级。"),
    ("withdraw_update", "撤回升级"),
    (
        "no_bundles",
        "没有升级包：请把 .raucb 文件放进云端的 updates 目录。",
    ),
    ("bundle", "升级包"),
    ("bundle_version", "版本号"),
    ("offer_update", "推送升级"),
    ("accounts", "账号"),
    (
        "account_added",
        "账号已添加。请转交初始密码，对方可在“密码”页修改。",
    ),
    ("account_removed", "账号已删除，其登录会话已结束。"),
    ("not_yourself", "不能删除自己的账号。"),
    ("first_password", "初始密码"),
    (
        "first_password_hint",
        "仅显示这一次：请当面或通过可信渠道转交。",
    ),
    ("add_account", "添加账号"),
    ("role", "角色"),
    ("since", "创建时间"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_word() {
        fn keys(table: &[(&'static str, &str)]) -> Vec<&'static str> {
            table.iter().map(|(k, _)| *k).collect()
        }
        assert_eq!(keys(EN), keys(ZH_CN));
        let mut sorted = keys(EN);
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), EN.len(), "a key twice");
    }

    #[test]
    fn every_word_the_pages_ask_for_is_in_the_table() {
        // The console's sources, searched for the keys they look up.
        let sources = [
            include_str!("account.rs"),
            include_str!("rooms.rs"),
            include_str!("meetings.rs"),
            include_str!("sip.rs"),
            include_str!("people.rs"),
            include_str!("html/people.rs"),
            include_str!("schedule_form.rs"),
            include_str!("html/mod.rs"),
            include_str!("html/rooms.rs"),
            include_str!("html/meetings.rs"),
            include_str!("html/sip.rs"),
            include_str!("html/sign_in.rs"),
        ];
        let known = |key: &str| EN.iter().any(|(k, _)| *k == key);
        for source in sources {
            for call in ["t(\"", "text(lang, \"", "text(console.lang, \""] {
                for (at, _) in source.match_indices(call) {
                    // `t(` itself, not the end of `repeat(`.
                    let before = source[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &source[at + call.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    assert!(known(key), "no words for {key:?}");
                }
            }
        }
    }
}
