//! The conference-control page's words in English and Chinese. The
//! language is chosen as the casting page's is (`?lang=`, then the
//! browser's); the script takes its strings from the page (a JSON block of
//! this table), so every word a person sees lives here.

use crate::api::cast_page::strings::Lang;

/// The text for `key` in `lang` (the key itself if missing: a test keeps
/// the tables complete).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    table(lang)
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, text)| text)
}

pub fn table(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::En => EN,
        Lang::ZhCn => ZH_CN,
    }
}

/// `{id}`, `{n}`, `{time}` and `{min}` are filled in by the page or its
/// script.
const EN: &[(&str, &str)] = &[
    ("title", "Conference control"),
    ("meeting", "Meeting {id}"),
    ("language", "Language"),
    (
        "sign_in_lead",
        "Sign in with the cloud's admin token to lead this meeting.",
    ),
    ("token_label", "Admin token"),
    ("sign_in", "Sign in"),
    ("sign_out", "Sign out"),
    ("wrong_token", "That token is not the admin token."),
    (
        "locked_out",
        "Too many wrong tokens from this address. Try again in {min} min.",
    ),
    (
        "noscript",
        "This page needs JavaScript to show the meeting live.",
    ),
    ("connecting", "Connecting…"),
    ("not_in_progress", "Nobody is in this meeting now."),
    ("reconnecting", "Connection lost; reconnecting…"),
    ("count", "{n} in the meeting"),
    ("ends_at", "Ends at {time}"),
    ("ending_soon", "Ends in 15 minutes or less"),
    ("locked", "Locked"),
    ("mute_all", "Mute all"),
    ("allow_self_unmute", "They may unmute themselves"),
    ("unmute_all", "Unmute all"),
    ("mute_on_entry", "Mute newcomers"),
    ("lock", "Lock"),
    ("unlock", "Unlock"),
    ("extend", "30 minutes more"),
    ("poll", "Poll sites (15 s)"),
    ("poll_pages", "Turn gallery pages (15 s)"),
    ("stop_polling", "Stop polling"),
    ("broadcast", "Broadcast"),
    ("stop_broadcast", "Stop broadcast"),
    ("end_for_all", "End for everyone"),
    ("confirm_end", "End the meeting for everyone in it?"),
    ("confirm_remove", "Remove {name} from the meeting?"),
    ("col_name", "Participant"),
    ("col_role", "Role"),
    ("col_sound", "Sound"),
    ("col_picture", "Picture"),
    ("col_actions", "Actions"),
    ("role_host", "Host"),
    ("role_co_host", "Co-host"),
    ("role_guest", "Guest"),
    ("kind_roomterm", "room"),
    ("kind_sip", "SIP"),
    ("hand", "✋ hand raised"),
    ("muted_by_host", "Muted by the host"),
    ("muted_self", "Muted"),
    ("speaking", "On"),
    ("picture_on", "On"),
    ("picture_off", "Stopped"),
    ("no_picture", "Audio only"),
    ("mute", "Mute"),
    ("unmute", "Unmute"),
    ("stop_video", "Stop picture"),
    ("start_video", "Show picture"),
    ("make_co_host", "Make co-host"),
    ("make_guest", "Make guest"),
    ("make_host", "Make host"),
    ("lower_hand", "Lower hand"),
    ("remove", "Remove"),
    ("waiting_room", "Waiting room"),
    ("host_only_share", "Only the host shares"),
    ("waiting_title", "Waiting to join ({n})"),
    ("admit", "Admit"),
    ("deny", "Deny"),
    ("admit_all", "Admit all"),
    ("invite_label", "Invite"),
    ("invite_placeholder", "Room number or sip:name@host"),
    ("invite", "Ring in"),
    ("invited", "Ringing {to}…"),
    ("ringing_name", "Ringing {name}…"),
    ("stop_ringing", "Stop ringing"),
    ("err_bad_address", "That is not a room number or a SIP URI."),
    (
        "err_unreachable",
        "That room or address cannot be reached now.",
    ),
    ("err_not_joinable", "The meeting would not let them in now."),
    ("err_not_host", "Only the host may do this."),
    ("err_no_participant", "That participant has left."),
    ("err_not_in_progress", "Nobody is in this meeting now."),
    ("err_no_end_time", "This meeting has no end time."),
    ("err_meeting_too_long", "A meeting runs at most 24 hours."),
    (
        "err_no_picture",
        "Only a site with a picture can be broadcast.",
    ),
    ("err_signed_out", "Your session ended; sign in again."),
    ("err_other", "The action failed ({code})."),
];

const ZH_CN: &[(&str, &str)] = &[
    ("title", "会议控制"),
    ("meeting", "会议 {id}"),
    ("language", "语言"),
    ("sign_in_lead", "请使用云平台管理员令牌登录以主持本会议。"),
    ("token_label", "管理员令牌"),
    ("sign_in", "登录"),
    ("sign_out", "退出登录"),
    ("wrong_token", "令牌不正确。"),
    (
        "locked_out",
        "此地址输错令牌次数过多，请 {min} 分钟后再试。",
    ),
    ("noscript", "本页面需要启用 JavaScript 才能实时显示会议。"),
    ("connecting", "正在连接…"),
    ("not_in_progress", "当前会议中没有与会者。"),
    ("reconnecting", "连接已断开，正在重新连接…"),
    ("count", "会议中共 {n} 方"),
    ("ends_at", "{time} 结束"),
    ("ending_soon", "会议将在 15 分钟内结束"),
    ("locked", "已锁定"),
    ("mute_all", "全体静音"),
    ("allow_self_unmute", "允许自行取消静音"),
    ("unmute_all", "全体取消静音"),
    ("mute_on_entry", "入会时静音"),
    ("lock", "锁定会议"),
    ("unlock", "解锁会议"),
    ("extend", "延长 30 分钟"),
    ("poll", "轮询会场（15 秒）"),
    ("poll_pages", "画廊翻页（15 秒）"),
    ("stop_polling", "停止轮询"),
    ("broadcast", "广播"),
    ("stop_broadcast", "停止广播"),
    ("end_for_all", "结束会议"),
    ("confirm_end", "确定为所有与会者结束会议吗？"),
    ("confirm_remove", "确定将 {name} 移出会议吗？"),
    ("col_name", "与会者"),
    ("col_role", "角色"),
    ("col_sound", "声音"),
    ("col_picture", "画面"),
    ("col_actions", "操作"),
    ("role_host", "主持人"),
    ("role_co_host", "联席主持人"),
    ("role_guest", "与会者"),
    ("kind_roomterm", "会场"),
    ("kind_sip", "SIP"),
    ("hand", "✋ 已举手"),
    ("muted_by_host", "被主持人静音"),
    ("muted_self", "已静音"),
    ("speaking", "开启"),
    ("picture_on", "开启"),
    ("picture_off", "已停止"),
    ("no_picture", "仅音频"),
    ("mute", "静音"),
    ("unmute", "取消静音"),
    ("stop_video", "停止画面"),
    ("start_video", "恢复画面"),
    ("make_co_host", "设为联席主持人"),
    ("make_guest", "设为与会者"),
    ("make_host", "设为主持人"),
    ("lower_hand", "放下手"),
    ("remove", "移出会议"),
    ("waiting_room", "等候室"),
    ("host_only_share", "仅主持人可共享"),
    ("waiting_title", "等候入会（{n}）"),
    ("admit", "允许入会"),
    ("deny", "拒绝入会"),
    ("admit_all", "全部允许"),
    ("invite_label", "邀请"),
    ("invite_placeholder", "会场号码或 sip:名称@主机"),
    ("invite", "呼叫入会"),
    ("invited", "正在呼叫 {to}…"),
    ("ringing_name", "正在呼叫 {name}…"),
    ("stop_ringing", "取消呼叫"),
    ("err_bad_address", "这不是会场号码或 SIP 地址。"),
    ("err_unreachable", "该会场或地址当前无法接通。"),
    ("err_not_joinable", "会议当前不允许其加入。"),
    ("err_not_host", "只有主持人可以执行此操作。"),
    ("err_no_participant", "该与会者已离开。"),
    ("err_not_in_progress", "当前会议中没有与会者。"),
    ("err_no_end_time", "此会议没有结束时间。"),
    ("err_meeting_too_long", "会议时长最多 24 小时。"),
    ("err_no_picture", "只能广播有画面的会场。"),
    ("err_signed_out", "登录已失效，请重新登录。"),
    ("err_other", "操作失败（{code}）。"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_and_say_it_differently() {
        let keys =
            |t: &[(&'static str, &'static str)]| t.iter().map(|(k, _)| *k).collect::<Vec<_>>();
        assert_eq!(keys(EN), keys(ZH_CN));
        for ((key, en), (_, zh)) in EN.iter().zip(ZH_CN) {
            assert!(en != zh || *key == "kind_sip", "{key} untranslated");
        }
    }
}
